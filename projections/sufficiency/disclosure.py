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
- **Flows hidden together.** Starts and ends add up with the counts in care at the period's
  two ends (which other views publish): in care at the end = in care before + starts - ends.
  A row whose starts or ends is hidden has the other hidden too (``Table.hidden_together``).
- **One dashboard, one set of figures.** The same figure often appears in several tables
  (Kent's children in care: in the count, by placement type, out of area), and some sums cross
  tables (children's homes = K1 + K2). Tables name such cells as facts
  (``Table.facts``, ``Table.fact_lines``), and :func:`suppress_together` treats a dashboard's
  tables as one system: a figure is hidden in every table or in none, so no table's visible
  cells can be combined with another's to work a hidden one out.

Everything here is a pure function over :class:`Table` objects.
"""

from __future__ import annotations

import copy
from collections.abc import Hashable
from dataclasses import dataclass, field
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
    return known


# --- a dashboard's figures as one system -----------------------------------------------------

Node = Hashable  # one figure: a fact shared by tables, or one table's own cell
Equation = tuple[tuple[Node, ...], Node | None]  # figures adding up; the sum, if it is one


@dataclass
class Figures:
    """Every count of a set of tables, each figure once however many tables show it, with
    every equation that ties them together and the figures the reader already knows."""

    value: dict[Node, int] = field(default_factory=dict)
    cells: dict[Node, list[tuple[int, Cell]]] = field(default_factory=dict)
    order: dict[Node, int] = field(default_factory=dict)
    equations: list[Equation] = field(default_factory=list)
    known: set[Node] = field(default_factory=set)

    def node(self, index: int, table: Table, cell: Cell) -> Node | None:
        value = _value(table, cell)
        if not _is_count(value):
            return None
        fact = table.facts.get(cell)
        # The same fact must be the same number; if two tables disagree they are not the same
        # figure, and each is protected on its own.
        node = ("fact", fact, value) if fact is not None else ("cell", index, cell)
        if node not in self.value:
            self.value[node] = value
            self.order[node] = len(self.order)
            self.cells[node] = []
        if (index, cell) not in self.cells[node]:
            self.cells[node].append((index, cell))
        return node


def figures(tables: list[Table], viewer_authority: UUID | None) -> Figures:
    found = Figures()
    by_fact: dict[Hashable, Node] = {}
    for index, table in enumerate(tables):
        for total, parts in lines(table):
            nodes = [found.node(index, table, cell) for cell in (total, *parts)]
            if None not in nodes:
                found.equations.append((tuple(nodes), nodes[0]))
        for cell in _count_cells(table):
            node = found.node(index, table, cell)
            if node is not None and table.facts.get(cell) is not None:
                by_fact[table.facts[cell]] = node
        counts = set(_count_cells(table))
        found.known |= {found.node(index, table, cell)
                        for cell in known_cells(table, viewer_authority) & counts} - {None}
    for table in tables:
        for left, right in table.fact_lines:
            if all(f in by_fact for f in (*left, *right)):
                members = tuple(dict.fromkeys(by_fact[f] for f in (*left, *right)))
                found.equations.append((members, by_fact[left[0]] if len(left) == 1 else None))
    _close(found)
    return found


def _count_cells(table: Table) -> list[Cell]:
    rows = [*range(len(table.rows)), *([TOTAL_ROW] if table.total is not None else [])]
    return [(row, c.key) for row in rows for c in table.columns if c.kind == COUNT]


def _close(found: Figures) -> None:
    """What the reader's own figures tell them: a sum of known figures is known, and so is the
    one unknown figure of an equation whose others are all known."""
    changed = bool(found.known)
    while changed:
        changed = False
        for members, _sum in found.equations:
            unknown = [m for m in members if m not in found.known]
            if len(unknown) == 1:
                found.known.add(unknown[0])
                changed = True


def primary(found: Figures) -> set[Node]:
    """Counts from 1 to 4."""
    return {node for node, value in found.value.items() if 0 < value < THRESHOLD}


def _pinned(found: Figures, members: tuple[Node, ...], total: Node | None,
            hidden: set[Node]) -> bool:
    """A visible sum whose visible parts already add up to it: counts are never negative, so
    every hidden part is 0 and protects nothing (and, once known, may give away a cell it was
    hidden to protect in another equation)."""
    if total is None or (total in hidden and total not in found.known):
        return False
    parts = [m for m in members if m != total]
    secret = [m for m in parts if m in hidden and m not in found.known]
    if not secret:
        return False
    return found.value[total] == sum(found.value[m] for m in parts if m not in secret)


def secondary(found: Figures, hidden: set[Node]) -> set[Node]:
    """``hidden`` grown until no equation has exactly one figure the reader can neither see
    nor knows, and no visible sum pins its hidden parts to 0. The next smallest visible part
    of such an equation is hidden too (for a pinned sum, the smallest non-zero part), and the
    sum only as a last resort."""
    hidden = set(hidden)
    changed = True
    while changed:
        changed = False
        for members, total in found.equations:
            secret = [m for m in members if m in hidden and m not in found.known]
            pinned = _pinned(found, members, total, hidden)
            if len(secret) != 1 and not pinned:
                continue
            free = [m for m in members if m not in hidden and m not in found.known]
            parts = [m for m in free if m != total]
            # A pinned sum needs a hidden part that is not 0; otherwise the smallest part.
            non_zero = [m for m in parts if found.value[m] > 0]
            candidates = (non_zero or [m for m in free if m == total]) if pinned \
                else (parts or free)
            if candidates:
                hidden.add(min(candidates, key=lambda m: (found.value[m], found.order[m])))
                changed = True
    return hidden


def together(tables: list[Table], found: Figures, hidden: set[Node]) -> set[Node]:
    """The figures hidden with a hidden one of the same row (``Table.hidden_together``): a
    small count of starts would otherwise be worked out from the ends and the counts in care
    at the period's two ends, which other views publish."""
    node_of = {place: node for node, places in found.cells.items() for place in places}
    more: set[Node] = set()
    for index, table in enumerate(tables):
        if not table.hidden_together:
            continue
        rows = [*range(len(table.rows)), *([TOTAL_ROW] if table.total is not None else [])]
        for row in rows:
            nodes = [node_of.get((index, (row, key))) for key in table.hidden_together]
            nodes = [n for n in nodes if n is not None and n not in found.known]
            if any(n in hidden for n in nodes):
                more.update(nodes)
    return more


def derived(table: Table, hidden: set[Cell]) -> set[Cell]:
    """Figures worked out from a hidden count."""
    rows = list(range(len(table.rows))) + ([TOTAL_ROW] if table.total is not None else [])
    return {(row, c.key) for c in table.columns if c.derived_from for row in rows
            if any((row, source) in hidden for source in c.derived_from)}


def suppress_together(tables: list[Table], viewer_authority: UUID | None = None) -> list[Table]:
    """Copies of ``tables`` (one dashboard's) with small counts, and whatever would reveal
    them, shown as LOW: a figure shown in several tables is hidden in all or none, and sums
    across tables (``fact_lines``) are respected as well as each table's own.

    ``viewer_authority`` is the reader's own authority, if they are a council officer: its
    figures are known to them, so they cannot protect anyone else's.
    """
    found = figures(tables, viewer_authority)
    hidden = primary(found)
    while True:
        grown = secondary(found, hidden | together(tables, found, hidden))
        if grown == hidden:
            break
        hidden = grown
    by_table: dict[int, set[Cell]] = {}
    for node in hidden:
        for index, cell in found.cells[node]:
            by_table.setdefault(index, set()).add(cell)
    results = []
    for index, table in enumerate(tables):
        cells = by_table.get(index, set())
        cells |= derived(table, cells)
        result = copy.deepcopy(table)
        for row, key in cells:
            target = result.total if row == TOTAL_ROW else result.rows[row]
            target[key] = LOW
        result.suppressed = True
        if NOTE not in result.notes:
            result.notes.append(NOTE)
        results.append(result)
    return results


def suppress(table: Table, viewer_authority: UUID | None = None) -> Table:
    """A copy of one table with small counts, and whatever would reveal them, shown as LOW."""
    return suppress_together([table], viewer_authority)[0]
