"""The disclosure control of main at 846c308 (projections/sufficiency/disclosure.py), kept
unchanged as the oracle for tests/projections/test_disclosure_pinned.py: the faster
module must hide exactly the cells this one hides, on every view it is given."""

from __future__ import annotations

import dataclasses
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass, field
from uuid import UUID

from projections.sufficiency.tables import (
    ALL,
    COUNT,
    HIDDEN,
    ROW_AUTHORITY,
    ROW_MEMBERS,
    TOTAL_ROW,
    Table,
    in_care,
)

THRESHOLD = 5  # counts from 1 to THRESHOLD - 1 are suppressed
HEADLINE_WEIGHT = 1000  # a view's whole children in care: hidden only when nothing else will do
CHART_WEIGHT = 10  # a figure a chart is drawn from: hidden only when ten times as much would be

NOTE = ("c: hidden to protect children's privacy (confidential). Counts from 1 to 4 are "
        "hidden, and so is any other figure that would let a hidden count be worked out from "
        "a total, here or on another shared dashboard for the same date (this is called "
        "secondary suppression, so a hidden figure may be large). A percentage or rate worked "
        "out from a hidden count is hidden too. A count of 0 is shown as 0 unless it has to "
        "be hidden to protect another figure.")

Cell = tuple[int, str]  # (row index or TOTAL_ROW, column key)
Line = tuple[Cell, tuple[Cell, ...]]  # (the sum, its parts)


@dataclass(frozen=True)
class View:
    """One dashboard's tables, with the authorities whose children it counts (a figure
    labelled for every authority in view, ``ALL``, is theirs together)."""

    authority_ids: tuple[UUID, ...]
    tables: list[Table]


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


def _count_cells(table: Table) -> list[Cell]:
    rows = [*range(len(table.rows)), *([TOTAL_ROW] if table.total is not None else [])]
    return [(row, c.key) for row in rows for c in table.columns if c.kind == COUNT]


# --- the figures of several views as one system ----------------------------------------------

Node = int  # one figure, however many tables and views show it
Equation = tuple[tuple[Node, ...], Node | None]  # figures adding up; the sum, if it is one
Place = tuple[int, int, Cell]  # (view, table, cell)


def _who(view: View, fact: Hashable) -> Hashable:
    """A fact as it reads outside its view: "every authority in view" becomes those
    authorities, so the region's ALL and a partnership's ALL are different figures."""
    if isinstance(fact, tuple):
        return tuple(frozenset(view.authority_ids) if part == ALL else part for part in fact)
    return fact


def _identity(view: View, table: Table, cell: Cell) -> Hashable:
    """What a cell counts, as the same in every view that shows it: the table, whose children
    (one authority's row or column, a partnership's subtotal, or everyone in the view), which
    row (by its label) and which count. Devon's row of the out-of-area table is the same cell
    on the region's dashboard and on the Peninsula partnership's."""
    row, key = cell
    source = table.total if row == TOTAL_ROW else table.rows[row]
    column = table.column(key)
    label = "Total" if row == TOTAL_ROW or source.get(ROW_MEMBERS) else source.get(
        table.columns[0].key)
    if column.authority_id is not None:  # one authority's column: counted under its whole
        parent = next((c.key for c in table.columns if key in c.parts), key)
        return (table.key, frozenset({column.authority_id}), label, parent)
    if source.get(ROW_AUTHORITY) is not None:
        who = frozenset({source[ROW_AUTHORITY]})
        label = source.get(table.columns[0].key)
    elif source.get(ROW_MEMBERS):
        who = frozenset(source[ROW_MEMBERS])
    else:
        who = frozenset(view.authority_ids)
    if row == TOTAL_ROW and source.get(table.columns[0].key):
        label = source[table.columns[0].key]
    return (table.key, who, label, key)


class _Names:
    """Figures named by several keys (a cell's identity, its fact), merged when any key is
    shared: union-find over the keys, and the value of each figure."""

    def __init__(self) -> None:
        self.parent: dict[Hashable, Hashable] = {}

    def find(self, key: Hashable) -> Hashable:
        self.parent.setdefault(key, key)
        while self.parent[key] != key:
            self.parent[key] = self.parent[self.parent[key]]
            key = self.parent[key]
        return key

    def union(self, a: Hashable, b: Hashable) -> None:
        a, b = self.find(a), self.find(b)
        if a != b:
            self.parent[b] = a


@dataclass
class Figures:
    """Every count of a set of views, each figure once however many tables show it, with
    every equation that ties them together and the figures the reader already knows."""

    value: list[int] = field(default_factory=list)
    places: list[list[Place]] = field(default_factory=list)
    node_of: dict[Place, Node] = field(default_factory=dict)
    equations: list[Equation] = field(default_factory=list)
    of_node: list[list[int]] = field(default_factory=list)  # node -> its equations
    known: set[Node] = field(default_factory=set)
    headline: set[Node] = field(default_factory=set)  # each view's whole children in care
    is_sum: set[Node] = field(default_factory=set)
    charted: set[Node] = field(default_factory=set)  # what a table's chart is drawn from
    together: list[set[Node]] = field(default_factory=list)  # hidden all or none

    def node(self, view: int, table: int, cell: Cell) -> Node | None:
        return self.node_of.get((view, table, cell))


def figures(views: Sequence[View], viewer_authority: UUID | None) -> Figures:
    """The one system of figures behind ``views``."""
    names = _Names()
    key_of: dict[Place, Hashable] = {}
    for v, view in enumerate(views):
        for t, table in enumerate(view.tables):
            # Figures are numbered in the order their lines list them: among figures of one
            # size, the first of a line is hidden first (down a column before across a row).
            ordered = [cell for total, parts in lines(table) for cell in (total, *parts)]
            for cell in dict.fromkeys([*ordered, *_count_cells(table)]):
                value = _value(table, cell)
                if not _is_count(value):
                    continue
                # The same figure must be the same number: if two places disagree they are
                # not the same figure, and each is protected on its own.
                key = ("cell", _identity(view, table, cell), value)
                names.find(key)
                fact = table.facts.get(cell)
                if fact is not None:
                    names.union(key, ("fact", _who(view, fact), value))
                key_of[(v, t, cell)] = key
    found = Figures()
    index: dict[Hashable, Node] = {}
    for place, key in key_of.items():
        root = names.find(key)
        if root not in index:
            index[root] = len(found.value)
            found.value.append(_value(views[place[0]].tables[place[1]], place[2]))
            found.places.append([])
        found.node_of[place] = index[root]
        found.places[index[root]].append(place)
    seen: set[Equation] = set()

    def add(members: Iterable[Node], total: Node | None) -> None:
        members = tuple(dict.fromkeys(members))
        equation = (members, total)
        if len(members) > 1 and equation not in seen:
            seen.add(equation)
            found.equations.append(equation)
            if total is not None:
                found.is_sum.add(total)

    for v, view in enumerate(views):
        by_fact: dict[Hashable, Node] = {}
        for t, table in enumerate(view.tables):
            for total, parts in lines(table):
                nodes = [found.node(v, t, cell) for cell in (total, *parts)]
                if None not in nodes:
                    add(nodes, nodes[0])
            for cell, fact in table.facts.items():
                node = found.node(v, t, cell)
                if node is not None:
                    by_fact[fact] = node
            found.known |= {found.node(v, t, cell)
                            for cell in known_cells(table, viewer_authority)} - {None}
            found.charted |= {found.node(v, t, cell) for cell in _charted(table)} - {None}
            found.together.extend(_together(found, v, t, table))
        for table in view.tables:
            for left, right in table.fact_lines:
                if all(f in by_fact for f in (*left, *right)):
                    add((by_fact[f] for f in (*left, *right)),
                        by_fact[left[0]] if len(left) == 1 else None)
        if len(view.authority_ids) > 1 and in_care(ALL) in by_fact:
            found.headline.add(by_fact[in_care(ALL)])
    found.of_node = [[] for _ in found.value]
    for i, (members, _total) in enumerate(found.equations):
        for member in members:
            found.of_node[member].append(i)
    found.known = _closure(found, found.known)
    return found


def _charted(table: Table) -> set[Cell]:
    """The counts a table's chart is drawn from: its charted column, or the counts that
    column is worked out from (a percentage placed out of area: outside and children)."""
    if table.chart is None:
        return set()
    column = next((c for c in table.columns if c.key == table.chart.value), None)
    if column is None:
        return set()
    keys = column.derived_from or ((column.key,) if column.kind == COUNT else ())
    rows = [*range(len(table.rows)), *([TOTAL_ROW] if table.total is not None else [])]
    return {(row, key) for row in rows for key in keys}


def _together(found: Figures, v: int, t: int, table: Table) -> list[set[Node]]:
    """The figures of each row hidden all or none (``Table.hidden_together``): a small count
    of starts would otherwise be worked out from the ends and the counts in care at the
    period's two ends, which other views publish."""
    if not table.hidden_together:
        return []
    rows = [*range(len(table.rows)), *([TOTAL_ROW] if table.total is not None else [])]
    groups = []
    for row in rows:
        nodes = {found.node(v, t, (row, key)) for key in table.hidden_together} - {None}
        if len(nodes) > 1:
            groups.append(nodes)
    return groups


def _closure(found: Figures, start: set[Node], new: Iterable[Node] | None = None
             ) -> set[Node]:
    """Every figure a reader can work out from ``start`` (what they see and know): the one
    figure of an equation they cannot yet tell, and the hidden parts of a sum they can tell
    whose told parts already add up to it (counts are never negative, so those are 0).
    ``new``: the figures of ``start`` not yet followed through (all of them when not given)."""
    told = set(start)
    if new is None:
        queue = list(range(len(found.equations)))
    else:
        queue = [i for node in new for i in found.of_node[node]]
    while queue:
        members, total = found.equations[queue.pop()]
        untold = [m for m in members if m not in told]
        if not untold:
            continue
        if len(untold) > 1 and not _pinned(found, members, total, told):
            continue
        for node in untold:
            told.add(node)
            queue.extend(found.of_node[node])
    return told


def _pinned(found: Figures, members: tuple[Node, ...], total: Node | None,
            told: set[Node]) -> bool:
    """A told sum whose told parts already add up to it: its other parts are all 0."""
    if total is None or total not in told:
        return False
    return found.value[total] == sum(found.value[m] for m in members
                                     if m != total and m in told)


def recoverable(found: Figures, hidden: set[Node]) -> set[Node]:
    """The hidden figures a reader can work out (an empty set when the hiding is safe)."""
    visible = set(range(len(found.value))) - hidden
    return _closure(found, visible | found.known) & hidden - found.known


def primary(found: Figures) -> set[Node]:
    """Counts from 1 to 4."""
    return {node for node, value in enumerate(found.value) if 0 < value < THRESHOLD}


def _cost(found: Figures, node: Node) -> tuple:
    """What hiding a figure loses, in the order complementary cells are chosen: a view's
    headline last, then larger counts after smaller (a figure a chart is drawn from counting
    CHART_WEIGHT times), a sum after a part of the same size."""
    return (node in found.headline, found.value[node] * _weight(found, node),
            node in found.is_sum, node)


def _weight(found: Figures, node: Node) -> int:
    """How much more than its count hiding a figure costs: a view's headline far more, a
    figure a chart is drawn from (the bars a reader takes in at a glance) CHART_WEIGHT
    times."""
    if node in found.headline:
        return HEADLINE_WEIGHT
    return CHART_WEIGHT if node in found.charted else 1


def _cheapest(found: Figures, members: Iterable[Node], hidden: set[Node],
              pinned: bool, order: str = "protects") -> Node | None:
    """The figure of an equation to hide as well: the least costly one that is neither hidden
    nor known (for a sum pinning its hidden parts to 0, one that is not 0), preferring one
    that would protect: a figure that another line would give straight back (the last one
    hidden in its line, or a 0 in a line whose visible sum is already made up) protects
    nothing."""
    free = [m for m in members if m not in hidden and m not in found.known]
    if pinned:
        free = [m for m in free if found.value[m] > 0] or free
    base = _Base(found, hidden)
    if order == "parts":  # a part before any sum, then as below
        return min(free, key=lambda m: (m in found.headline, m in found.is_sum,
                                        base.gives_back(m), _cost(found, m)), default=None)
    return min(free, key=lambda m: (m in found.headline, base.gives_back(m), _cost(found, m)),
               default=None)


class _Base:
    """What a reader sees and knows while ``hidden`` is hidden."""

    def __init__(self, found: Figures, hidden: set[Node]) -> None:
        self.found, self.hidden = found, hidden

    def told(self, node: Node) -> bool:
        return node not in self.hidden or node in self.found.known

    def gives_back(self, node: Node) -> bool:
        """Whether ``node``, were it hidden too, could be worked out from one line alone."""
        found = self.found
        for i in found.of_node[node]:
            members, total = found.equations[i]
            others = [m for m in members if m != node and not self.told(m)]
            if not others:
                return True
            if found.value[node] == 0 and total is not None and total != node and \
                    self.told(total) and found.value[total] == sum(
                        found.value[m] for m in members
                        if m not in (total, node) and self.told(m)):
                return True
        return False


def _protect(found: Figures, hidden: set[Node], order: str = "protects") -> set[Node]:
    """``hidden`` grown until no hidden figure can be worked out. Each equation that gives a
    hidden figure away from what the reader sees and knows alone gets one more figure hidden,
    its cheapest; this repeats until the reader can work nothing hidden out."""
    hidden = _with_together(found, set(hidden))
    if order == "lines":
        hidden = _line_by_line(found, hidden)
    while recoverable(found, hidden):
        grew = False
        base = set(range(len(found.value))) - hidden | found.known
        for members, total in found.equations:
            untold = [m for m in members if m not in base]
            pinned = len(untold) > 1 and _pinned(found, members, total, base)
            if not untold or (len(untold) > 1 and not pinned):
                continue
            choice = _cheapest(found, members, hidden, pinned, order)
            if choice is not None:
                grown = _with_together(found, hidden | {choice})
                base -= (grown - hidden) - found.known  # what the reader no longer sees
                hidden = grown
                grew = True
        if not grew:  # given away only through other hidden figures: hide one of those
            leaked = min(recoverable(found, hidden))
            choice = _cheapest(found, (m for i in found.of_node[leaked]
                                       for m in found.equations[i][0]), hidden, False)
            if choice is None:
                raise RuntimeError("every figure around a hidden one is hidden or known")
            hidden = _with_together(found, hidden | {choice})
    return hidden


def _line_by_line(found: Figures, hidden: set[Node]) -> set[Node]:
    """``hidden`` grown line by line: while a line has exactly one figure the reader can
    neither see nor know, or a visible sum pins its hidden parts to 0, the smallest visible
    part of the line is hidden too (for a pinned sum, the smallest part that is not 0), and
    the sum only when no part can be."""
    while True:
        before = len(hidden)
        for members, total in found.equations:
            secret = [m for m in members if m in hidden and m not in found.known]
            told = set(members) - set(secret)
            pinned = bool(secret) and total in told and _pinned(found, members, total, told)
            if len(secret) != 1 and not pinned:
                continue
            free = [m for m in members if m not in hidden and m not in found.known]
            parts = [m for m in free if m != total]
            non_zero = [m for m in parts if found.value[m] > 0]
            candidates = (non_zero or [m for m in free if m == total]) if pinned \
                else (parts or free)
            if candidates:
                hidden = _with_together(found, hidden | {
                    min(candidates, key=lambda m: (found.value[m] * _weight(found, m), m))})
        if len(hidden) == before:
            return hidden


def _with_together(found: Figures, hidden: set[Node]) -> set[Node]:
    changed = True
    while changed:
        changed = False
        for group in found.together:
            mine = group - found.known
            if hidden & mine and not mine <= hidden:
                hidden |= mine
                changed = True
    return hidden


def _show_again(found: Figures, hidden: set[Node], primary_nodes: set[Node]) -> set[Node]:
    """Each figure hidden only to protect another shown again, the most costly first, when
    that gives no hidden figure away."""
    hidden = set(hidden)
    visible = set(range(len(found.value))) - hidden
    told = _closure(found, visible | found.known)
    for node in sorted(hidden - primary_nodes - found.known,
                       key=lambda m: _cost(found, m), reverse=True):
        if node not in hidden:
            continue
        group = {node} | {m for g in found.together if node in g for m in g} - found.known
        if group & primary_nodes:
            continue
        trial = _closure(found, told | group, new=group)
        if not trial & (hidden - group) - found.known:
            hidden -= group
            told = trial
    return hidden


# Ways of choosing complementary cells; the one losing less is used.
ORDERS = ("lines", "protects", "parts")


def loss(found: Figures, hidden: set[Node]) -> tuple[int, int]:
    """What hiding ``hidden`` costs a reader: how many children its figures count (weighted:
    a view's headline far more, a charted figure CHART_WEIGHT times), then how many
    figures."""
    return sum(found.value[n] * _weight(found, n) for n in hidden), len(hidden)


def hide(found: Figures) -> set[Node]:
    """The figures to hide: every count from 1 to 4 and the least costly set of others that
    keeps each of them from being worked out. Complementary cells are chosen three ways (line
    by line, the smallest part first; the cheapest figure that protects; parts before sums),
    each pruned, and the one that loses less is kept."""
    first = primary(found)
    best = None
    for order in ORDERS:
        hidden = _protect(found, first - found.known, order)
        hidden = _show_again(found, hidden, first) | (first & found.known)
        if best is None or loss(found, hidden) < loss(found, best):
            best = hidden
    return best


def derived(table: Table, hidden: set[Cell]) -> set[Cell]:
    """Figures worked out from a hidden count."""
    rows = list(range(len(table.rows))) + ([TOTAL_ROW] if table.total is not None else [])
    return {(row, c.key) for c in table.columns if c.derived_from for row in rows
            if any((row, source) in hidden for source in c.derived_from)}


def suppress_views(views: Sequence[View], viewer_authority: UUID | None = None,
                   wanted: Sequence[int] | None = None) -> list[list[Table]]:
    """Copies of every view's tables (of the views ``wanted``, by index, when given) with
    small counts, and whatever would reveal them, shown as ``HIDDEN`` ("c"): a figure shown
    in several tables or views is hidden in all or none, and every sum within and across
    tables and views is respected.

    ``viewer_authority`` is the reader's own authority, if they are a council officer: its
    figures are known to them, so they cannot protect anyone else's.
    """
    found = figures(views, viewer_authority)
    hidden = hide(found)
    by_table: dict[tuple[int, int], set[Cell]] = {}
    for node in hidden:
        for v, t, cell in found.places[node]:
            by_table.setdefault((v, t), set()).add(cell)
    results = []
    for v in range(len(views)) if wanted is None else wanted:
        shown = []
        for t, table in enumerate(views[v].tables):
            cells = by_table.get((v, t), set())
            cells |= derived(table, cells)
            result = copy_table(table)
            for row, key in cells:
                target = result.total if row == TOTAL_ROW else result.rows[row]
                target[key] = HIDDEN
            result.suppressed = True
            if NOTE not in result.notes:
                result.notes.append(NOTE)
            shown.append(result)
        results.append(shown)
    return results


def copy_table(table: Table) -> Table:
    """A copy of ``table`` whose rows, total and notes can be changed without changing it
    (its columns and chart are frozen; its facts and lines are only read)."""
    return dataclasses.replace(table, rows=[dict(row) for row in table.rows],
                               total=None if table.total is None else dict(table.total),
                               notes=list(table.notes))


def suppress_together(tables: list[Table], viewer_authority: UUID | None = None,
                      authority_ids: tuple[UUID, ...] = ()) -> list[Table]:
    """:func:`suppress_views` for one view: the tables of one dashboard (of the authorities
    ``authority_ids``)."""
    return suppress_views([View(authority_ids, tables)], viewer_authority)[0]


def suppress(table: Table, viewer_authority: UUID | None = None) -> Table:
    """A copy of one table with small counts, and whatever would reveal them, hidden."""
    return suppress_together([table], viewer_authority)[0]
