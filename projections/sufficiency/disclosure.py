"""Statistical disclosure control for views that cross authority lines.

A sufficiency view that shows one authority's figures to anyone but that authority's own
officers, or that puts several authorities side by side, must not let a reader learn about a
small group of children. Following the DfE's practice for its children looked after tables
(DfE, "Children looked after in England including adoptions", methodology: "Rounding,
suppression and grossing"; the DfE statement on confidentiality; GSS symbols for official
statistics, see ../shared/REFERENCE.md), with the portal's own threshold of 5:

- **Primary suppression.** A count from 1 to 4 is hidden and shown as "c" (``HIDDEN``), with
  a footnote saying why (``NOTE``). A count of 0 is shown as 0: it describes no child, and
  hiding every zero would hide most of a small authority's table. A 0 may still be hidden to
  protect another cell (below). "low" is not used for a hidden cell: in official statistics it
  means a figure that rounds to zero at the precision shown (:mod:`portal.figures`).
- **Secondary suppression.** Counts add up along lines: down a column to the total row (or to
  a subtotal row, such as a partnership among its authorities), across a row to a total
  column (children = placed inside + outside + location not known), and across tables (a
  placement type group = its codes). A reader works out whatever the lines give: a line's
  one figure they can neither see nor know is the others' sum or difference, a figure so
  worked out can be used in the next line, and a visible sum whose visible parts already add
  up to it shows its hidden parts are 0 (counts are never negative). Cells are hidden until no
  hidden figure can be worked out that way (:func:`recoverable`). The cells hidden to protect
  another are the ones that cost least: the smallest count of the line first, a part before a
  sum of the same size, and a view's headline (its whole children in care) only when nothing
  else can protect the cell (then the reader already knows every other part). Once every
  hidden figure is safe, each cell hidden to protect another is shown again, the largest
  first, whenever it can be without giving a hidden figure away, so no more is hidden than is
  needed. A figure a table's chart is drawn from (children and children placed outside, for
  the percentage placed out of area) counts ``CHART_WEIGHT`` times its size, so a small count
  of unaccompanied children is protected within its own split rather than by hiding the bar
  for all of an authority's children.
- **What the reader already knows.** An officer reading a partnership view knows their own
  authority's figures, so those cells cannot hide anything from them: they never count as
  hidden and are never chosen to protect another cell.
- **Derived figures.** A percentage, rate or average worked out from a hidden count is hidden
  too (a rate and the published population would give the count back).
- **Flows hidden together.** Starts and ends add up with the counts in care at the period's
  two ends (which other views publish): in care at the end = in care before + starts - ends.
  A row whose starts or ends is hidden has the other hidden too (``Table.hidden_together``).
- **One set of figures for every view of the same date.** The same figure often appears in
  several tables (Kent's children in care: in the count, by placement type, out of area), in
  several dashboards (Devon's out-of-area count on the region's, the Peninsula partnership's
  and Devon's own shared dashboard) and some sums cross tables (children's homes = K1 + K2)
  or dashboards (the region's children in care less the partnership's). Tables name shared
  cells as facts (``Table.facts``, ``Table.fact_lines``), and :func:`suppress_views` treats
  the tables of several dashboards (``View``) as one system: a figure is hidden in every
  table and dashboard that shows it or in none, so no two views of one date (a partnership's
  against the region's) can be set side by side to work a hidden figure out. The dashboard
  works this out once, at the widest scope (the region and every partnership), for each date
  and filters; views of two dates are kept apart by publication at month ends with counts
  rounded (:mod:`projections.sufficiency.publication`).

Everything here is a pure function over :class:`Table` objects. Another measure's tables use
it as they are: give each COUNT cell its lines (``Table.row_sums``, ``Column.parts``,
``Table.fact_lines``), its derived figures (``Column.derived_from``) and its authority
(``ROW_AUTHORITY`` for a row, ``Column.authority_id`` for a column), and call
:func:`suppress_together` (one view) or :func:`suppress_views` (several views of one date).
"""

from __future__ import annotations

import dataclasses
import heapq
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


def _who(everyone: frozenset, fact: Hashable) -> Hashable:
    """A fact as it reads outside its view (of the authorities ``everyone``): "every
    authority in view" becomes those authorities, so the region's ALL and a partnership's ALL
    are different figures."""
    if isinstance(fact, tuple):
        return tuple(everyone if part == ALL else part for part in fact)
    return fact


class _Sets:
    """One frozenset for each list of authorities seen, so a partnership's members are
    hashed once however many cells name them (a region's 153 authorities, thousands of
    cells), not once a cell."""

    def __init__(self) -> None:
        self.made: dict[tuple, frozenset] = {}

    def of(self, ids: Iterable[UUID]) -> frozenset:
        ids = tuple(ids)
        found = self.made.get(ids)
        if found is None:
            found = self.made[ids] = frozenset(ids)
        return found


def _identity(everyone: frozenset, table: Table, columns: dict, cell: Cell,
              sets: _Sets) -> Hashable:
    """What a cell counts, as the same in every view that shows it: the table, whose children
    (one authority's row or column, a partnership's subtotal, or everyone in the view), which
    row (by its label) and which count. Devon's row of the out-of-area table is the same cell
    on the region's dashboard and on the Peninsula partnership's. ``everyone``: the view's
    authorities; ``columns``: the table's columns by key."""
    row, key = cell
    source = table.total if row == TOTAL_ROW else table.rows[row]
    column = columns[key]
    label = "Total" if row == TOTAL_ROW or source.get(ROW_MEMBERS) else source.get(
        table.columns[0].key)
    if column.authority_id is not None:  # one authority's column: counted under its whole
        parent = next((c.key for c in table.columns if key in c.parts), key)
        return (table.key, sets.of((column.authority_id,)), label, parent)
    if source.get(ROW_AUTHORITY) is not None:
        who = sets.of((source[ROW_AUTHORITY],))
        label = source.get(table.columns[0].key)
    elif source.get(ROW_MEMBERS):
        who = sets.of(source[ROW_MEMBERS])
    else:
        who = everyone
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
    parts_sum: list[int] = field(default_factory=list)  # equation -> its parts added up
    member_sets: list[frozenset[Node]] = field(default_factory=list)  # equation -> figures
    known: set[Node] = field(default_factory=set)
    headline: set[Node] = field(default_factory=set)  # each view's whole children in care
    is_sum: set[Node] = field(default_factory=set)
    charted: set[Node] = field(default_factory=set)  # what a table's chart is drawn from
    together: list[set[Node]] = field(default_factory=list)  # hidden all or none
    together_of: dict[Node, list[int]] = field(default_factory=dict)  # node -> its groups

    def node(self, view: int, table: int, cell: Cell) -> Node | None:
        return self.node_of.get((view, table, cell))


def figures(views: Sequence[View], viewer_authority: UUID | None) -> Figures:
    """The one system of figures behind ``views``."""
    names = _Names()
    sets = _Sets()
    key_of: dict[Place, Hashable] = {}
    lines_of: dict[tuple[int, int], list[Line]] = {}
    for v, view in enumerate(views):
        everyone = sets.of(view.authority_ids)
        for t, table in enumerate(view.tables):
            columns = {c.key: c for c in table.columns}
            lines_of[(v, t)] = table_lines = lines(table)
            # Figures are numbered in the order their lines list them: among figures of one
            # size, the first of a line is hidden first (down a column before across a row).
            ordered = [cell for total, parts in table_lines for cell in (total, *parts)]
            for cell in dict.fromkeys([*ordered, *_count_cells(table)]):
                value = _value(table, cell)
                if not _is_count(value):
                    continue
                # The same figure must be the same number: if two places disagree they are
                # not the same figure, and each is protected on its own.
                key = ("cell", _identity(everyone, table, columns, cell, sets), value)
                names.find(key)
                fact = table.facts.get(cell)
                if fact is not None:
                    names.union(key, ("fact", _who(everyone, fact), value))
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
            for total, parts in lines_of[(v, t)]:
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
    for i, (members, total) in enumerate(found.equations):
        for member in members:
            found.of_node[member].append(i)
        found.parts_sum.append(sum(found.value[m] for m in members if m != total))
        found.member_sets.append(frozenset(members))
    for i, group in enumerate(found.together):
        for member in group:
            found.together_of.setdefault(member, []).append(i)
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
        equation = queue.pop()
        members, total = found.equations[equation]
        untold = [m for m in members if m not in told]
        if not untold:
            continue
        if len(untold) > 1 and not _pinned(found, equation, untold, total in told):
            continue
        for node in untold:
            told.add(node)
            queue.extend(found.of_node[node])
    return told


def _told_beyond(found: Figures, told: set[Node], new: set[Node]) -> set[Node]:
    """What ``_closure(found, told | new, new)`` tells beyond ``told``, worked out in the
    same order without copying ``told``: showing one figure again is tried against every
    figure the reader can already tell, thousands of times on a region's dashboard."""
    extra = new - told
    queue = [i for node in new for i in found.of_node[node]]
    while queue:
        equation = queue.pop()
        members, total = found.equations[equation]
        untold = [m for m in members if m not in told and m not in extra]
        if not untold:
            continue
        if len(untold) > 1 and not _pinned(found, equation, untold,
                                           total in told or total in extra):
            continue
        for node in untold:
            extra.add(node)
            queue.extend(found.of_node[node])
    return extra


def _pinned(found: Figures, equation: int, untold: Iterable[Node], total_told: bool) -> bool:
    """A told sum whose told parts already add up to it: its other parts are all 0.
    ``untold``: the figures of the equation the reader cannot tell (their parts' sum is taken
    from all the parts' instead of adding up the told ones, a region's hundreds, each time);
    ``total_told``: whether the sum is told."""
    total = found.equations[equation][1]
    if total is None or not total_told:
        return False
    # The sum is told, so it is not among ``untold``: those are all parts.
    return found.value[total] == found.parts_sum[equation] - sum(
        map(found.value.__getitem__, untold))


def recoverable(found: Figures, hidden: set[Node]) -> set[Node]:
    """The hidden figures a reader can work out (an empty set when the hiding is safe).

    This is :func:`_closure` of what the reader sees and knows, worked from the other side:
    only the lines with a figure the reader can neither see nor know are followed (in the
    same order), as the others give nothing. Disclosure control asks this after every round
    of hiding, and a region has tens of thousands of figures but only hundreds hidden."""
    secret = hidden - found.known
    unknown = set(secret)
    value, parts_sum = found.value, found.parts_sum
    queue = sorted({i for node in secret for i in found.of_node[node]})
    while queue:
        equation = queue.pop()
        members, total = found.equations[equation]
        untold = unknown & found.member_sets[equation]  # a line's hundreds of figures: in C
        if not untold:
            continue
        if len(untold) > 1 and (  # not pinned (:func:`_pinned`, written out: a hot loop)
                total is None or total in unknown
                or value[total] != parts_sum[equation] - sum(map(value.__getitem__, untold))):
            continue
        for node in [m for m in members if m in untold]:  # in the line's order
            unknown.discard(node)
            queue.extend(found.of_node[node])
    return secret - unknown


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

    def gives_back(self, node: Node) -> bool:
        """Whether ``node``, were it hidden too, could be worked out from one line alone."""
        found, hidden, known = self.found, self.hidden, self.found.known
        for i in found.of_node[node]:
            members, total = found.equations[i]
            others = [m for m in members if m != node and m in hidden and m not in known]
            if not others:
                return True
            # A 0 whose sum is told and made up by the told parts (node's own 0 among them).
            if found.value[node] == 0 and total is not None and total != node and \
                    total not in others and _pinned(found, i, others, True):
                return True
        return False


def _protect(found: Figures, hidden: set[Node], order: str = "protects") -> set[Node]:
    """``hidden`` grown until no hidden figure can be worked out. Each equation that gives a
    hidden figure away from what the reader sees and knows alone gets one more figure hidden,
    its cheapest; this repeats until the reader can work nothing hidden out."""
    hidden = _with_together(found, set(hidden))
    if order == "lines":
        hidden = _line_by_line(found, hidden)
    while leaked := recoverable(found, hidden):
        grew = False
        # Every line in order, each with what the reader can neither see nor know so far;
        # only the lines with such a figure can need one more hidden, so only they are
        # visited: those of the figures hidden at the start, then of each figure hidden on
        # the way (a line not yet reached).
        secret = hidden - found.known
        lines_ahead = sorted({i for node in secret for i in found.of_node[node]})
        reached = -1
        while lines_ahead:
            equation = heapq.heappop(lines_ahead)
            if equation <= reached:
                continue
            reached = equation
            members, total = found.equations[equation]
            untold = secret & found.member_sets[equation]
            pinned = len(untold) > 1 and _pinned(found, equation, untold, total not in secret)
            if not untold or (len(untold) > 1 and not pinned):
                continue
            choice = _cheapest(found, members, hidden, pinned, order)
            if choice is not None:
                grown = _with_together(found, hidden | {choice}, (choice,))
                added = (grown - hidden) - found.known  # what the reader no longer sees
                secret |= added
                for node in added:
                    for i in found.of_node[node]:
                        if i > equation:
                            heapq.heappush(lines_ahead, i)
                hidden = grown
                grew = True
        if not grew:  # given away only through other hidden figures: hide one of those
            first = min(leaked)  # ``hidden`` is as it was when ``leaked`` was worked out
            choice = _cheapest(found, (m for i in found.of_node[first]
                                       for m in found.equations[i][0]), hidden, False)
            if choice is None:
                raise RuntimeError("every figure around a hidden one is hidden or known")
            hidden = _with_together(found, hidden | {choice}, (choice,))
    return hidden


def _line_by_line(found: Figures, hidden: set[Node]) -> set[Node]:
    """``hidden`` grown line by line: while a line has exactly one figure the reader can
    neither see nor know, or a visible sum pins its hidden parts to 0, the smallest visible
    part of the line is hidden too (for a pinned sum, the smallest part that is not 0), and
    the sum only when no part can be."""
    while True:
        before = len(hidden)
        for equation, (members, total) in enumerate(found.equations):
            secret = [m for m in members if m in hidden and m not in found.known]
            told = set(members) - set(secret)
            pinned = bool(secret) and total in told and _pinned(found, equation, secret, True)
            if len(secret) != 1 and not pinned:
                continue
            free = [m for m in members if m not in hidden and m not in found.known]
            parts = [m for m in free if m != total]
            non_zero = [m for m in parts if found.value[m] > 0]
            candidates = (non_zero or [m for m in free if m == total]) if pinned \
                else (parts or free)
            if candidates:
                choice = min(candidates, key=lambda m: (found.value[m] * _weight(found, m), m))
                hidden = _with_together(found, hidden | {choice}, (choice,))
        if len(hidden) == before:
            return hidden


def _with_together(found: Figures, hidden: set[Node],
                   new: Iterable[Node] | None = None) -> set[Node]:
    """``hidden`` (changed in place) with every figure hidden together with one of its own
    that the reader does not know: the rest of that group, and so on. ``new``: the figures
    just added to a ``hidden`` that was already whole (every one of them when not given), so
    only their groups are followed, not every group of the view."""
    known, together_of = found.known, found.together_of
    queue = [n for n in (hidden if new is None else new)
             if n in together_of and n in hidden and n not in known]
    while queue:
        for group in together_of[queue.pop()]:
            for member in found.together[group]:
                if member not in hidden and member not in known:
                    hidden.add(member)
                    if member in together_of:
                        queue.append(member)
    return hidden


def _show_again(found: Figures, hidden: set[Node], primary_nodes: set[Node]) -> set[Node]:
    """Each figure hidden only to protect another shown again, the most costly first, when
    that gives no hidden figure away."""
    hidden = set(hidden)
    known = found.known
    visible = set(range(len(found.value))) - hidden
    told = _closure(found, visible | known)
    given_away = told & hidden - known  # none, when ``hidden`` is safe
    for node in sorted(hidden - primary_nodes - known,
                       key=lambda m: _cost(found, m), reverse=True):
        if node not in hidden:
            continue
        group = {node} | {m for g in found.together_of.get(node, ())
                          for m in found.together[g]} - known
        if group & primary_nodes:
            continue
        extra = _told_beyond(found, told, group)
        if given_away - group or any(m in hidden and m not in group and m not in known
                                     for m in extra):
            continue
        hidden -= group
        told |= extra
        given_away -= group
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
