"""Statistical disclosure control for views that cross authority lines.

A sufficiency view that shows one authority's figures to anyone but that authority's own
officers, or that puts several authorities side by side, must not let a reader learn about a
small group of children. Following the DfE's practice for its children looked after tables
(DfE, "Children looked after in England including adoptions", methodology: "Rounding,
suppression and grossing"; and the DfE statement on confidentiality), with the portal's own
threshold of 5:

- **Primary suppression.** A count from 1 to 4 is replaced by ``LOW`` (shown as "low"). A
  count of 0 is shown as 0: it describes no child, and hiding every zero would hide most of a
  small authority's table. A 0 may still be hidden as "low" to protect another cell (below).
- **Secondary suppression.** Counts add up along lines: down a column to the total row (or to
  a subtotal row, such as a partnership among its authorities) and across a row to a total
  column (children = placed inside + outside + location not known). Where a line with a
  visible sum has exactly one hidden cell, that cell is the sum less the visible cells, so the
  next smallest visible cell of the line is hidden too (the sum itself only if no other cell
  can be); this repeats until no line has exactly one hidden cell.
- **What the reader already knows.** An officer reading a partnership view knows their own
  authority's figures, so those cells cannot hide anything from them: they never count as
  hidden and are never chosen to protect another cell.
- **Derived figures.** A percentage, rate or average worked out from a hidden count is hidden
  too (a rate and the published population would give the count back).

Everything here is a pure function over :class:`Table` objects.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable
from uuid import UUID

from projections.sufficiency.tables import COUNT, LOW, ROW_AUTHORITY, TOTAL_ROW, Table

THRESHOLD = 5  # counts from 1 to THRESHOLD - 1 are suppressed

NOTE = ("Counts from 1 to 4 are shown as \"low\" to protect children's privacy, and so is any "
        "other figure that would let a low count be worked out from a total (this is called "
        "secondary suppression). A percentage or rate worked out from a low count is low too. "
        "A count of 0 is shown as 0 unless it has to be hidden to protect another figure.")

Cell = tuple[int, str]  # (row index or TOTAL_ROW, column key)
Line = tuple[Cell, tuple[Cell, ...]]  # (the sum, its parts)


def _value(table: Table, cell: Cell):
    row, key = cell
    source = table.total if row == TOTAL_ROW else table.rows[row]
    return None if source is None else source.get(key)


def _is_count(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def lines(table: Table) -> list[Line]:
    """Every line along which the table's counts add up."""
    counts = [c.key for c in table.columns if c.kind == COUNT]
    present = [*range(len(table.rows)), *([TOTAL_ROW] if table.total is not None else [])]
    found: list[Line] = []
    for key in counts:  # down the columns
        for total, parts in table.sums():
            found.append(((total, key), tuple((p, key) for p in parts)))
    for column in table.columns:  # across the rows
        if column.kind == COUNT and column.parts:
            for row in present:
                found.append(((row, column.key), tuple((row, p) for p in column.parts)))
    return found


def known_cells(table: Table, authority_id: UUID | None) -> set[Cell]:
    """The cells a viewer from ``authority_id`` already knows: their own authority's row or
    column."""
    if authority_id is None:
        return set()
    keys = [c.key for c in table.columns]
    known: set[Cell] = set()
    for index, row in enumerate(table.rows):
        if row.get(ROW_AUTHORITY) == authority_id:
            known.update((index, key) for key in keys)
    for column in table.columns:
        if column.authority_id == authority_id:
            known.update((index, column.key) for index in range(len(table.rows)))
            if table.total is not None:
                known.add((TOTAL_ROW, column.key))
    # What follows from it: a sum of known cells is known (Kent's own total, say), and so is
    # the one unknown part of a known sum.
    changed = bool(known)
    while changed:
        changed = False
        for total, parts in lines(table):
            unknown = [cell for cell in (total, *parts) if cell not in known]
            if len(unknown) == 1 and (unknown[0] == total or total in known):
                known.add(unknown[0])
                changed = True
    return known


def primary(table: Table) -> set[Cell]:
    """Counts from 1 to 4."""
    rows = list(enumerate(table.rows))
    if table.total is not None:
        rows.append((TOTAL_ROW, table.total))
    return {(index, c.key) for index, row in rows for c in table.columns
            if c.kind == COUNT and _is_count(row.get(c.key)) and 0 < row[c.key] < THRESHOLD}


def _order(table: Table, cell: Cell) -> tuple:
    """Which cell to hide first: the smallest count, then the earliest row and column."""
    value = _value(table, cell)
    row, key = cell
    column = [c.key for c in table.columns].index(key)
    return (value, row if row != TOTAL_ROW else len(table.rows), column)


def secondary(table: Table, hidden: set[Cell], known: set[Cell]) -> set[Cell]:
    """``hidden`` grown until no line with a visible sum has exactly one cell the reader
    cannot see and does not know."""
    hidden = set(hidden)
    all_lines = lines(table)
    changed = True
    while changed:
        changed = False
        for total, parts in all_lines:
            cells = (total, *parts)
            if any(not _is_count(_value(table, cell)) for cell in cells):
                continue  # an unknown value: the line cannot be added up
            secret = [cell for cell in cells if cell in hidden and cell not in known]
            if len(secret) != 1:
                continue
            candidates = [p for p in parts if p not in hidden and p not in known]
            if not candidates and total not in hidden and total not in known:
                candidates = [total]
            if candidates:
                hidden.add(min(candidates, key=lambda cell: _order(table, cell)))
                changed = True
    return hidden


def derived(table: Table, hidden: set[Cell]) -> set[Cell]:
    """Figures worked out from a hidden count."""
    rows = list(range(len(table.rows))) + ([TOTAL_ROW] if table.total is not None else [])
    return {(row, c.key) for c in table.columns if c.derived_from for row in rows
            if any((row, source) in hidden for source in c.derived_from)}


def suppress(table: Table, viewer_authority: UUID | None = None) -> Table:
    """A copy of ``table`` with small counts, and whatever would reveal them, shown as LOW.

    ``viewer_authority`` is the reader's own authority, if they are a council officer: its
    figures are known to them, so they cannot protect anyone else's.
    """
    known = known_cells(table, viewer_authority)
    hidden = secondary(table, primary(table), known)
    hidden |= derived(table, hidden)
    result = copy.deepcopy(table)
    for row, key in hidden:
        target = result.total if row == TOTAL_ROW else result.rows[row]
        target[key] = LOW
    result.suppressed = True
    if NOTE not in result.notes:
        result.notes.append(NOTE)
    return result


def suppress_all(tables: Iterable[Table], viewer_authority: UUID | None = None) -> list[Table]:
    return [suppress(table, viewer_authority) for table in tables]
