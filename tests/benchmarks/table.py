"""`make bench`'s one table: every figure beside its baseline measured in the same run, its
target and whether it was met, and the machine's load average (written to RESULTS.md).

A row without a target is reported for context and says so; a missed target says NOT MET.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path


def load_average() -> tuple[float, float, float]:
    one, five, fifteen = os.getloadavg()
    return round(one, 2), round(five, 2), round(fifteen, 2)


@dataclass(frozen=True)
class Row:
    section: str
    figure: str
    measured: str
    baseline: str = "none"
    ratio: str = ""  # the figure the target is about, when it is a ratio to the baseline
    target: str = "none"
    met: bool | None = None  # None: no target
    load: float = field(default_factory=lambda: load_average()[0])  # 1-minute, when measured

    @property
    def verdict(self) -> str:
        return "no target" if self.met is None else ("met" if self.met else "**NOT MET**")


@dataclass
class Run:
    started_at: str
    machine: str
    cpus: int
    load_start: tuple[float, float, float]
    load_end: tuple[float, float, float] | None = None
    seconds: float = 0.0
    notes: list[str] = field(default_factory=list)
    finished: bool = True  # False while the run goes on (the file is rewritten at each row)


def _cell(text: object) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def render(run: Run, rows: list[Row]) -> str:
    load_end = run.load_end or load_average()
    met = sum(1 for r in rows if r.met)
    missed = sum(1 for r in rows if r.met is False)
    lines = [
        "# `make bench` results",
        "",
        "Written by the last `make bench` run; each figure's baseline was measured in the same "
        "run, on the same machine. Do not edit by hand.",
        "",
        f"- Run started {run.started_at} on {run.machine} ({run.cpus} CPUs) and took "
        f"{run.seconds / 60:.1f} minutes.",
        f"- Load average (1, 5, 15 min) at the start: {', '.join(map(str, run.load_start))}; "
        f"at the end: {', '.join(map(str, load_end))}. A load above {run.cpus} means the "
        "benchmarks shared the CPUs with other work: every figure in such a run is measured "
        "under load (the last column gives the 1-minute load as each figure was taken).",
        f"- Targets: {met} met, {missed} not met.",
        *([] if run.finished else ["- **This run had not finished when this was written**: "
                                   "the rows below are those measured so far."]),
        "",
        "| section | figure | measured | baseline (same run) | ratio | target | verdict "
        "| load |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for r in rows:
        lines.append("| " + " | ".join(_cell(c) for c in (
            r.section, r.figure, r.measured, r.baseline, r.ratio or "n/a", r.target, r.verdict,
            f"{r.load:.1f}")) + " |")
    if run.notes:
        lines += ["", "## Notes", ""] + [f"- {n}" for n in run.notes]
    return "\n".join(lines) + "\n"


def write(path: Path, run: Run, rows: list[Row]) -> str:
    text = render(run, rows)
    path.write_text(text)
    return text
