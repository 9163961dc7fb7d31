"""What an import did: counts, every rejected row with its line, column and reason, and every
row imported with a warning (its Ofsted URN or postcode district not known to the portal, so
where the child is placed reads "not known" until the portal learns it).

A report never holds a child's id, date of birth or postcode: only line numbers, column names,
reasons, and (where it helps) a bad code value. So it may be kept (the ``import_jobs`` table),
shown and downloaded like any other page about the authority's own import.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field, fields
from typing import Any

from domain.words import counted

EPISODES = "episodes"
HEADER = "header"
# Listed problems kept per report; beyond this only the count grows (a file so wrong is
# usually the wrong file, and its first hundred thousand reasons say why).
MAX_LISTED = 100_000
NOT_IMPORTED, WARNED = "not imported", "imported with a warning"


@dataclass(frozen=True, slots=True)
class Problem:
    file: str  # EPISODES or HEADER
    line: int | None  # None: the whole file
    column: str | None
    reason: str


@dataclass
class Report:
    file_name: str
    header_name: str | None = None
    file_sha256: str | None = None
    header_sha256: str | None = None
    rows: int = 0  # episode rows read (blank lines are not rows)
    accepted: int = 0  # episode rows applied (including rows that changed nothing)
    header_rows: int = 0
    children: int = 0  # children with at least one accepted row
    children_changed: int = 0
    # A reason the whole import was refused or stopped; nothing was applied when refused.
    refused: str | None = None
    import_id: str | None = None
    problems: list[Problem] = field(default_factory=list)
    unlisted: int = 0
    # Rows imported with a warning: listed (up to MAX_LISTED) and counted by line.
    warnings: list[Problem] = field(default_factory=list)
    warned: int = 0
    _rejected_lines: set[int] = field(default_factory=set, repr=False)
    _rejected_count: int | None = field(default=None, repr=False)  # a report read back

    @property
    def rejected(self) -> int:
        if self.refused is not None:
            return self.rows
        if self._rejected_count is not None:
            return self._rejected_count
        return len(self._rejected_lines)

    @property
    def ok(self) -> bool:
        return self.refused is None

    def add(self, problem: Problem) -> None:
        if problem.file == EPISODES and problem.line is not None:
            self._rejected_lines.add(problem.line)
        if len(self.problems) < MAX_LISTED:
            self.problems.append(problem)
        else:
            self.unlisted += 1

    def warn(self, warnings: list[Problem]) -> None:
        """Add the warnings of rows that were imported (those of rejected rows are left out:
        the row's rejection says more)."""
        kept = [w for w in warnings if w.line is None or not self.is_rejected(w.line)]
        room = max(0, MAX_LISTED - len(self.problems) - len(self.warnings))
        self.warnings.extend(kept[:room])
        self.unlisted += len(kept[room:])
        self.warned += len({w.line for w in kept})

    def rejected_with(self, problems: list[Problem]) -> int:
        """How many episode rows would be rejected, with these problems added too."""
        more = {p.line for p in problems if p.file == EPISODES} - self._rejected_lines
        return self.rejected + len(more)

    def is_rejected(self, line: int) -> bool:
        return line in self._rejected_lines

    def refuse(self, reason: str) -> None:
        self.refused = reason

    def sorted_problems(self) -> list[Problem]:
        return sorted(self.problems, key=lambda p: (p.file != HEADER, p.line or 0))

    def sorted_warnings(self) -> list[Problem]:
        return sorted(self.warnings, key=lambda p: (p.line or 0, p.column or ""))

    def summary(self) -> list[str]:
        if self.refused:
            return [f"Nothing was imported: {self.refused}."]
        lines = [f"{counted(self.rows, 'episode row')} read: {self.accepted:,} accepted, "
                 f"{self.rejected:,} rejected."]
        if self.header_name:
            lines.append(f"{counted(self.header_rows, 'header row')} read.")
        lines.append(f"{counted(self.children, 'child')} in the file; "
                     f"{self.children_changed:,} changed in the portal.")
        if self.warned:
            lines.append(f"{counted(self.warned, 'row')} "
                         f"{'was' if self.warned == 1 else 'were'} imported with a warning.")
        if self.unlisted:
            lines.append(f"{counted(self.unlisted, 'more problem')} "
                         f"{'is' if self.unlisted == 1 else 'are'} counted but not listed.")
        return lines

    def to_csv(self) -> str:
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(["file", "line", "column", "outcome", "reason"])
        if self.refused:
            writer.writerow(["", "", "", NOT_IMPORTED, f"Nothing was imported: {self.refused}"])
        for p in self.sorted_problems():
            writer.writerow([p.file, p.line or "", p.column or "", NOT_IMPORTED, p.reason])
        for p in self.sorted_warnings():
            writer.writerow([p.file, p.line or "", p.column or "", WARNED, p.reason])
        return out.getvalue()

    # --- kept as JSON in the import_jobs table ------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        data = {f.name: getattr(self, f.name) for f in fields(self)
                if f.name not in {"problems", "warnings"} and not f.name.startswith("_")}
        data["rejected"] = self.rejected
        data["problems"] = [[p.file, p.line, p.column, p.reason] for p in self.problems]
        data["warnings"] = [[p.file, p.line, p.column, p.reason] for p in self.warnings]
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Report:
        report = cls(**{k: v for k, v in data.items()
                        if k not in {"problems", "warnings", "rejected"}})
        report.problems = [Problem(*p) for p in data.get("problems", [])]
        report.warnings = [Problem(*p) for p in data.get("warnings", [])]
        report._rejected_count = data.get("rejected", 0)
        return report
