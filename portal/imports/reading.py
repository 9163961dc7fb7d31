"""Reading a whole SSDA903 return: rows checked one by one, then each child's episodes together.

A child's episodes go in together or not at all: when one of a child's rows is rejected, the
child's other rows are rejected too (naming the line that was), so the portal never holds a
history with an episode missing from its middle or its end. An exact duplicate row is only
reported, since dropping it loses nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from portal.imports.files import CsvFile, rows
from portal.imports.report import EPISODES, HEADER, Problem, Report
from portal.imports.ssda903 import (
    EPISODE_COLUMNS,
    HEADER_OPTIONAL,
    HEADER_REQUIRED,
    ChildFacts,
    EpisodeRow,
    RowChecker,
)

Progress = Callable[[str, int, int], None]  # stage, done, total
PROGRESS_EVERY = 1000  # rows


@dataclass
class Return:
    """The accepted rows, by child reference, in file order; header facts when a header file
    was given (None otherwise)."""

    children: dict[str, list[EpisodeRow]]
    facts: dict[str, ChildFacts] | None


def read_header(file: CsvFile, checker: RowChecker, report: Report) -> tuple[
        dict[str, ChildFacts], dict[str, int]]:
    """Facts by child, and the line of each child's rejected header row."""
    facts: dict[str, ChildFacts] = {}
    rejected: dict[str, int] = {}
    for line, values in rows(file, HEADER_REQUIRED, HEADER_OPTIONAL):
        report.header_rows += 1
        child, fact, problems = checker.header_row(line, values)
        for problem in problems:
            report.add(problem)
        if child is None:
            continue
        if fact is None:
            rejected.setdefault(child, line)
            facts.pop(child, None)
            continue
        seen = facts.get(child)
        if child in rejected:
            report.add(Problem(HEADER, line, "CHILD", f"Another row for this child (line "
                                                      f"{rejected[child]}) was rejected"))
        elif seen is None:
            facts[child] = fact
        elif seen[1:] == fact[1:]:
            report.add(Problem(HEADER, line, "CHILD", f"Duplicate of line {seen.line}"))
        else:
            report.add(Problem(HEADER, line, "CHILD", f"Line {seen.line} has the same child with "
                                                      "a different SEX, DOB or UASC"))
            rejected[child] = line
            del facts[child]
    return facts, rejected


def read_episodes(file: CsvFile, checker: RowChecker, report: Report,
                  progress: Progress) -> tuple[dict[str, list[EpisodeRow]], dict[str, int]]:
    """Accepted rows by child, and the first rejected line of each child that has one."""
    children: dict[str, list[EpisodeRow]] = {}
    failed: dict[str, int] = {}
    for line, values in rows(file, EPISODE_COLUMNS):
        report.rows += 1
        if report.rows % PROGRESS_EVERY == 0:
            progress("reading", line, file.lines)
        child, row, problems = checker.episode_row(line, values)
        for problem in problems:
            report.add(problem)
        if child is None:
            continue
        if row is None:
            failed.setdefault(child, line)
        else:
            children.setdefault(child, []).append(row)
    progress("reading", file.lines, file.lines)
    return children, failed


def in_sequence(rows_: list[EpisodeRow], report: Report) -> int | None:
    """Report duplicates and overlaps among one child's rows; the first overlapping line, or
    None when the episodes follow one another. Duplicates are dropped from ``rows_``."""
    ordered = sorted(rows_, key=lambda r: (r.start, r.line))
    kept: list[EpisodeRow] = []
    overlap = None
    for row in ordered:
        before = kept[-1] if kept else None
        twin = next((k for k in reversed(kept) if k.start == row.start), None)
        if twin is not None and twin.facts() == row.facts():
            report.add(Problem(EPISODES, row.line, "", f"Duplicate of line {twin.line}"))
            continue
        if before is not None and (before.end is None or row.start < before.end):
            why = ("which has no DEC (it has not ceased)" if before.end is None
                   else "which ceased after this one started")
            report.add(Problem(EPISODES, row.line, "DECOM",
                               f"This episode overlaps the one on line {before.line}, {why}"))
            overlap = overlap or row.line
            continue
        kept.append(row)
    rows_[:] = kept
    return overlap


def read_return(episodes: CsvFile, header: CsvFile | None, checker: RowChecker,
                report: Report, progress: Progress) -> Return:
    facts, bad_header = (read_header(header, checker, report) if header is not None
                         else (None, {}))
    children, failed = read_episodes(episodes, checker, report, progress)
    for child, rows_ in children.items():
        if child not in failed:
            overlap = in_sequence(rows_, report)
            if overlap is not None:
                failed[child] = overlap
        if child in failed:
            reason = f"Not imported, because line {failed[child]} for the same child was rejected"
        elif facts is not None and child in bad_header:
            reason = (f"Not imported, because this child's row in the header file (line "
                      f"{bad_header[child]}) was rejected")
        elif facts is not None and child not in facts:
            reason = "The header file has no row for this child"
        else:
            continue
        for row in rows_:
            if not report.is_rejected(row.line):
                report.add(Problem(EPISODES, row.line, "CHILD", reason))
        rows_.clear()
    return Return(children={c: r for c, r in children.items() if r}, facts=facts)
