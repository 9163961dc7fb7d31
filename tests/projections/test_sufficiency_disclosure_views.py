"""Disclosure control across dashboards: a partnership's view and the region's, worked out
together, hide the same figures, never the headline, and cannot be set side by side to work
a hidden figure out.

The tables are built as the measures build them (authority rows, a partnership's subtotal row
on the region's table, totals, the children in care named as facts); the reader's reasoning
here is the test's own, over every line of both views, and knows nothing of the algorithm.
"""

from __future__ import annotations

from uuid import UUID, uuid4

from hypothesis import given, settings
from hypothesis import strategies as st

from projections.sufficiency.common import in_care_facts
from projections.sufficiency.disclosure import (
    NOTE,
    View,
    figures,
    hide,
    primary,
    recoverable,
    suppress_together,
    suppress_views,
)
from projections.sufficiency.tables import (
    COUNT,
    HIDDEN,
    PERCENT,
    ROW_AUTHORITY,
    ROW_MEMBERS,
    TOTAL_ROW,
    Column,
    Table,
)

CATEGORIES = ("inside", "outside")


def _row(name: str, values: dict, **more) -> dict:
    row = {"name": name, **values, "all": sum(values.values()), **more}
    row["pct"] = 100 * row["outside"] / row["all"] if row["all"] else None
    return row


def area_table(names: dict[UUID, str], counts: dict[UUID, dict], members: tuple[UUID, ...],
               partnerships: dict[str, tuple[UUID, ...]] | None = None) -> Table:
    """Children inside and outside their authority's area: one row per authority (of
    ``members``), a subtotal row per partnership (on the region's table) and a total."""
    rows = [_row(names[a], counts[a], **{ROW_AUTHORITY: a}) for a in members]
    sums = [(TOTAL_ROW, tuple(range(len(rows))))]
    for name, ids in (partnerships or {}).items():
        parts = tuple(members.index(a) for a in ids)
        values = {k: sum(counts[a][k] for a in ids) for k in CATEGORIES}
        sums.append((len(rows), parts))
        rows.append(_row(f"{name} partnership", values, **{ROW_MEMBERS: ids}))
    total = _row("Total", {k: sum(counts[a][k] for a in members) for k in CATEGORIES})
    return Table(
        key="area", title="Where children live", definition="Inside or outside.",
        columns=[Column("name", "Authority"),
                 Column("all", "Children in care", COUNT, parts=CATEGORIES),
                 *[Column(k, k.capitalize(), COUNT) for k in CATEGORIES],
                 Column("pct", "% outside", PERCENT, derived_from=("outside", "all"))],
        rows=rows, total=total, row_sums=sums,
        facts=in_care_facts(rows, total, column="all"))


def region_and_partnership(counts: dict[UUID, dict], partnership: tuple[UUID, ...]):
    names = {a: f"A{i}" for i, a in enumerate(counts)}
    everyone = tuple(counts)
    region = View(everyone, [area_table(names, counts, everyone, {"P": partnership})])
    ours = View(partnership, [area_table(names, counts, partnership)])
    return region, ours


# --- worked examples ---------------------------------------------------------------------------

KENT, MEDWAY, DORSET = uuid4(), uuid4(), uuid4()


def test_a_partnership_against_the_region_gives_nothing_away():
    """Medway's 3 children outside its area. Alone, each view would hide Medway with the
    smallest other cell of its own; set side by side, the region's total less the
    partnership's less Dorset's would give Medway's figures back. Worked out together, every
    figure is hidden in both views or in neither, and nothing hidden can be worked out."""
    counts = {KENT: {"inside": 60, "outside": 40}, MEDWAY: {"inside": 20, "outside": 3},
              DORSET: {"inside": 30, "outside": 12}}
    region, ours = region_and_partnership(counts, (KENT, MEDWAY))
    shown_region, shown_ours = (tables[0] for tables in suppress_views([region, ours]))
    assert shown_region.rows[1]["outside"] == shown_ours.rows[1]["outside"] == HIDDEN
    for name in ("A0", "A1"):
        in_region = next(r for r in shown_region.rows if r["name"] == name)
        in_ours = next(r for r in shown_ours.rows if r["name"] == name)
        assert {k: in_region[k] for k in ("all", *CATEGORIES)} == \
            {k: in_ours[k] for k in ("all", *CATEGORIES)}
    # The partnership's total is the region's subtotal row: one figure, shown alike.
    subtotal = next(r for r in shown_region.rows if r["name"] == "P partnership")
    assert {k: subtotal[k] for k in ("all", *CATEGORIES)} == \
        {k: shown_ours.total[k] for k in ("all", *CATEGORIES)}
    # Headlines stay: 165 in the region, 123 in the partnership.
    assert (shown_region.total["all"], shown_ours.total["all"]) == (165, 123)
    assert_nothing_hidden_can_be_worked_out(counts, (KENT, MEDWAY), [shown_region], [shown_ours])
    assert NOTE in shown_region.notes and NOTE in shown_ours.notes


def test_complementary_cells_are_the_smallest_and_never_the_headline():
    counts = {KENT: {"inside": 300, "outside": 200}, MEDWAY: {"inside": 40, "outside": 2},
              DORSET: {"inside": 30, "outside": 9}}
    names = {a: f"A{i}" for i, a in enumerate(counts)}
    shown = suppress_together([area_table(names, counts, tuple(counts))],
                              authority_ids=tuple(counts))[0]
    # Medway's 2 outside: its row hides the next smallest, its 40 inside (not its 42 in all),
    # and the outside column hides Dorset's 9 (not Kent's 200, nor the total's 211).
    assert [(r["inside"], r["outside"], r["all"]) for r in shown.rows] == [
        (300, 200, 500), (HIDDEN, HIDDEN, 42), (HIDDEN, HIDDEN, 39)]
    assert (shown.total["all"], shown.total["outside"]) == (581, 211)
    # A large count hidden only to protect another is hidden the same way: "c", never a word
    # saying it is small.
    assert shown.rows[2]["inside"] == HIDDEN and counts[DORSET]["inside"] == 30
    assert shown.rows[1]["pct"] == shown.rows[2]["pct"] == HIDDEN


def test_a_figure_the_reader_knows_is_never_used_to_protect_another():
    counts = {KENT: {"inside": 300, "outside": 2}, MEDWAY: {"inside": 40, "outside": 20}}
    names = {KENT: "Kent", MEDWAY: "Medway"}
    table = area_table(names, counts, (KENT, MEDWAY))
    # For anyone else, Kent's 2 outside is protected within Kent's row and by Medway's 20.
    assert suppress_together([table])[0].rows[1]["outside"] == HIDDEN
    # Kent's officer knows Kent's row: Medway's figures protect nothing from them, and the
    # total of a view of two, less Kent's own, is Medway's, which hides nothing small.
    for_kent = suppress_together([table], viewer_authority=KENT)[0]
    assert (for_kent.rows[1]["outside"], for_kent.rows[1]["all"]) == (20, 60)
    assert for_kent.total["all"] == 362


def test_showing_again_what_need_not_be_hidden():
    """Two small counts in one column protect each other: nothing else is hidden."""
    counts = {KENT: {"inside": 50, "outside": 3}, MEDWAY: {"inside": 40, "outside": 4},
              DORSET: {"inside": 30, "outside": 0}}
    names = {a: f"A{i}" for i, a in enumerate(counts)}
    found = figures([View(tuple(counts), [area_table(names, counts, tuple(counts))])], None)
    hidden = hide(found)
    assert not recoverable(found, hidden)
    # Each small count needs a partner in its row too (its inside or its all): four more at
    # least, and no more than that.
    assert len(hidden) == 2 + 2


# --- properties --------------------------------------------------------------------------------

def assert_nothing_hidden_can_be_worked_out(counts, partnership, region_tables, our_tables,
                                            viewer=None):
    """The reader's working out, over both views' lines: a figure is told when it is shown,
    is the reader's own, is the one untold figure of a line, or is a part of a told sum whose
    told parts already make it up (counts are never negative). No hidden figure is told."""
    everyone = tuple(counts)

    def who(view_ids, row):
        if row.get(ROW_AUTHORITY) is not None:
            return ("authority", row[ROW_AUTHORITY])
        if row.get(ROW_MEMBERS):
            return ("group", frozenset(row[ROW_MEMBERS]))
        return ("group", frozenset(view_ids))

    shown: dict = {}
    value: dict = {}
    lines = []
    for view_ids, (table,) in ((everyone, region_tables), (partnership, our_tables)):
        rows = [*enumerate(table.rows), (TOTAL_ROW, table.total)]
        exact = {index: row for index, row in rows}
        for _index, row in rows:
            for key in ("all", *CATEGORIES):
                figure = (who(view_ids, row), key)
                truth = _truth(counts, figure)
                value[figure] = truth
                shown.setdefault(figure, set()).add(row[key])
                if row[key] != HIDDEN:
                    assert row[key] == truth
            lines.append(((who(view_ids, row), "all"),
                          [(who(view_ids, row), k) for k in CATEGORIES]))
        for key in ("all", *CATEGORIES):
            for total, parts in table.sums():
                lines.append(((who(view_ids, exact[total]), key),
                              [(who(view_ids, exact[p]), key) for p in parts]))
    # One figure, one appearance: hidden everywhere or nowhere.
    for figure, seen in shown.items():
        assert len(seen) == 1, figure
    hidden = {f for f, seen in shown.items() if seen == {HIDDEN}}
    told = {f for f in value if f not in hidden or
            (viewer is not None and f[0] == ("authority", viewer))}
    changed = True
    while changed:
        changed = False
        for total, parts in lines:
            members = [total, *parts]
            untold = [m for m in members if m not in told]
            if not untold:
                continue
            pinned = total in told and value[total] == sum(value[p] for p in parts if p in told)
            if len(untold) == 1 or pinned:
                told.update(untold)
                changed = True
    leaked = [f for f in hidden & told if viewer is None or f[0] != ("authority", viewer)]
    assert not leaked, leaked
    return hidden


def _truth(counts, figure):
    (kind, who), key = figure
    ids = [who] if kind == "authority" else list(who)
    return sum(counts[a]["inside"] + counts[a]["outside"] if key == "all" else counts[a][key]
               for a in ids)


small_or_not = st.one_of(st.integers(0, 6), st.integers(0, 300))


@st.composite
def regions(draw):
    n = draw(st.integers(2, 6))
    ids = [uuid4() for _ in range(n)]
    counts = {a: {k: draw(small_or_not) for k in CATEGORIES} for a in ids}
    chosen = draw(st.sets(st.sampled_from(ids), min_size=2))
    members = tuple(a for a in ids if a in chosen)
    viewer = draw(st.one_of(st.none(), st.sampled_from(ids)))
    return counts, members, viewer


@settings(max_examples=250, deadline=None)
@given(regions())
def test_no_hidden_figure_can_be_worked_out_from_a_partnership_and_the_region(case):
    counts, partnership, viewer = case
    region, ours = region_and_partnership(counts, partnership)
    shown_region, shown_ours = suppress_views([region, ours], viewer)
    hidden = assert_nothing_hidden_can_be_worked_out(counts, partnership, shown_region,
                                                     shown_ours, viewer)
    assert all(_truth(counts, figure) >= 0 for figure in hidden)
    # Every count from 1 to 4 is hidden, on both dashboards.
    for table in (*shown_region, *shown_ours):
        for row, original in zip(table.rows, _originals(counts, table), strict=True):
            for key in ("all", *CATEGORIES):
                if 0 < original[key] < 5:
                    assert row[key] == HIDDEN


def _originals(counts, table):
    for row in table.rows:
        ids = [row[ROW_AUTHORITY]] if row.get(ROW_AUTHORITY) is not None else \
            list(row[ROW_MEMBERS])
        yield {k: sum(counts[a][k] for a in ids) for k in CATEGORIES} | {
            "all": sum(counts[a]["inside"] + counts[a]["outside"] for a in ids)}


@settings(max_examples=250, deadline=None)
@given(regions())
def test_the_headline_of_a_partnership_or_the_region_is_never_hidden_when_5_or_more(case):
    """Unless the reader knows every other part of it: a council officer reading a
    partnership of two (theirs and one other) whose other council has 1 to 4 children, for
    whom the total less their own would be that small count."""
    counts, partnership, viewer = case
    region, ours = region_and_partnership(counts, partnership)
    for view, (shown,) in zip((region, ours), suppress_views([region, ours], viewer),
                              strict=True):
        headline = sum(counts[a]["inside"] + counts[a]["outside"] for a in view.authority_ids)
        others = [a for a in view.authority_ids if a != viewer]
        if headline >= 5 and not (viewer in view.authority_ids and len(others) == 1):
            assert shown.total["all"] == headline, (view.authority_ids, viewer)


def test_a_figure_on_both_dashboards_is_one_figure():
    """Kent's row, and the partnership's total as the region's subtotal row, are the same
    figures on the two dashboards; the region's total is its own."""
    counts = {KENT: {"inside": 5, "outside": 4}, MEDWAY: {"inside": 0, "outside": 1},
              DORSET: {"inside": 7, "outside": 0}}
    region, ours = region_and_partnership(counts, (KENT, MEDWAY))
    found = figures([region, ours], None)

    def node(view, row, key):
        return found.node(view, 0, (row, key))

    for key in ("all", "inside", "outside"):
        assert node(0, 0, key) == node(1, 0, key)  # Kent
        assert node(0, 3, key) == node(1, TOTAL_ROW, key)  # the partnership's total
        assert node(0, TOTAL_ROW, key) != node(1, TOTAL_ROW, key)
    # Counts from 1 to 4, each once: Kent's 4 outside, Medway's 1 outside and 1 in all.
    assert sorted(found.value[n] for n in primary(found)) == [1, 1, 4]
    assert found.headline == {node(0, TOTAL_ROW, "all"), node(1, TOTAL_ROW, "all")}
