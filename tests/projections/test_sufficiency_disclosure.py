"""Disclosure control: small counts are hidden ("c"), and no total, rate or percentage gives
one back.

Pure functions over tables; the property test checks, for any table, that no suppressed count
can be worked out by subtracting the visible cells of a line from its visible sum.
"""

from __future__ import annotations

from uuid import uuid4

from hypothesis import given, settings
from hypothesis import strategies as st

from projections.sufficiency.disclosure import NOTE, lines, suppress, suppress_together
from projections.sufficiency.tables import (
    COUNT,
    HIDDEN,
    NUMBER,
    PERCENT,
    RATE,
    ROW_AUTHORITY,
    TEXT,
    TOTAL_ROW,
    Column,
    Table,
)

KENT, MEDWAY, DORSET = uuid4(), uuid4(), uuid4()


def children_table(counts: dict, populations: dict | None = None) -> Table:
    """Children in care per authority: count, population, rate; the total adds up the rows."""
    populations = populations or {name: 100_000 for name in counts}
    ids = {"Kent": KENT, "Medway": MEDWAY, "Dorset": DORSET}
    rows = [{"name": name, "children": n, "population": populations[name],
             "rate": n * 10_000 / populations[name], ROW_AUTHORITY: ids.get(name)}
            for name, n in counts.items()]
    total_n, total_p = sum(counts.values()), sum(populations.values())
    return Table(
        key="children", title="Children in care", definition="Children in care on a date.",
        columns=[Column("name", "Authority"), Column("children", "Children", COUNT),
                 Column("population", "Children aged 0-17", NUMBER),
                 Column("rate", "Per 10,000", RATE, derived_from=("children",))],
        rows=rows, total={"name": "Total", "children": total_n, "population": total_p,
                          "rate": total_n * 10_000 / total_p})


def location_table(rows: list[tuple[str, int, int, int]]) -> Table:
    """Children = inside + outside + not known, per authority, with % outside."""
    def row(name, inside, outside, unknown):
        children = inside + outside + unknown
        return {"name": name, "children": children, "inside": inside, "outside": outside,
                "unknown": unknown, "pct": 100 * outside / children if children else None}
    body = [row(*r) for r in rows]
    total = row("Total", *(sum(r[i] for r in rows) for i in (1, 2, 3)))
    return Table(
        key="location", title="Where children live", definition="Inside or outside.",
        columns=[Column("name", "Authority"),
                 Column("children", "Children", COUNT, parts=("inside", "outside", "unknown")),
                 Column("inside", "Inside", COUNT), Column("outside", "Outside", COUNT),
                 Column("unknown", "Not known", COUNT),
                 Column("pct", "% outside", PERCENT, derived_from=("outside", "children"))],
        rows=body, total=total)


def test_counts_from_1_to_4_are_low_and_others_stay():
    table = children_table({"Kent": 4, "Medway": 2, "Dorset": 0, "Devon": 5})
    shown = suppress(table)
    # Two low cells protect each other: nothing else needs hiding.
    assert [r["children"] for r in shown.rows] == [HIDDEN, HIDDEN, 0, 5]
    assert shown.total["children"] == 11
    # Populations are public ONS figures, not counts of children: never suppressed.
    assert [r["population"] for r in shown.rows] == [100_000] * 4
    assert [r["rate"] for r in shown.rows][:2] == [HIDDEN, HIDDEN]
    assert shown.rows[3]["rate"] == table.rows[3]["rate"]


def test_suppression_is_pure_and_says_what_it_did():
    table = children_table({"Kent": 120, "Medway": 3, "Dorset": 40})
    shown = suppress(table)
    assert table.rows[1]["children"] == 3 and not table.suppressed
    assert shown.suppressed and NOTE in shown.notes
    assert NOTE not in table.notes


def test_a_column_with_one_low_cell_hides_the_next_smallest():
    shown = suppress(children_table({"Kent": 120, "Medway": 3, "Dorset": 40}))
    assert [r["children"] for r in shown.rows] == [120, HIDDEN, HIDDEN]
    assert shown.total["children"] == 163  # the total stays: 163 - 120 = Medway + Dorset
    assert [r["rate"] for r in shown.rows][1:] == [HIDDEN, HIDDEN]
    assert shown.rows[0]["rate"] == 12.0


def test_an_officer_reading_a_partnership_view_cannot_use_their_own_figures():
    table = children_table({"Kent": 100, "Medway": 3})
    # Anyone else: Kent is hidden with Medway, so 103 cannot be split.
    assert [r["children"] for r in suppress(table).rows] == [HIDDEN, HIDDEN]
    # Kent's officer knows Kent's 100: hiding it protects nothing, so the total goes instead.
    for_kent = suppress(table, viewer_authority=KENT)
    assert [r["children"] for r in for_kent.rows] == [100, HIDDEN]
    assert for_kent.total["children"] == HIDDEN
    assert for_kent.total["rate"] == HIDDEN


def test_a_row_line_hides_a_second_cell_and_the_percentage():
    shown = suppress(location_table([("Kent", 47, 3, 0), ("Dorset", 30, 20, 10)]))
    kent = shown.rows[0]
    assert (kent["children"], kent["inside"], kent["outside"], kent["unknown"]) == (
        50, 47, HIDDEN, HIDDEN)
    assert kent["pct"] == HIDDEN
    # Down the columns: Kent's hidden outside and not known must be protected in Dorset too.
    dorset = shown.rows[1]
    assert dorset["outside"] == HIDDEN and dorset["unknown"] == HIDDEN
    assert dorset["pct"] == HIDDEN
    assert shown.total["outside"] == 23 and shown.total["pct"] == 100 * 23 / 110


def test_a_zero_is_shown_unless_it_must_protect_another_cell():
    shown = suppress(location_table([("Kent", 40, 10, 0), ("Dorset", 30, 20, 0)]))
    assert [r["unknown"] for r in shown.rows] == [0, 0]
    assert shown.total["unknown"] == 0


def test_subtotal_rows_are_lines_too():
    """A region's table: three authorities and one partnership of two of them."""
    table = children_table({"Kent": 100, "Medway": 3, "Dorset": 40})
    table.rows.append({"name": "South East", "children": 103, "population": 200_000,
                       "rate": 103 / 20})
    table.row_sums = [(TOTAL_ROW, (0, 1, 2)), (3, (0, 1))]
    shown = suppress(table)
    hidden = [r["name"] for r in shown.rows if r["children"] == HIDDEN]
    assert "Medway" in hidden
    # The partnership line (103 = Kent + Medway) must not give Medway back.
    assert "Kent" in hidden or shown.rows[3]["children"] == HIDDEN
    assert_no_line_reveals_a_cell(table, shown)


def test_unknown_values_are_left_alone():
    table = location_table([("Kent", 40, 10, 0)])
    table.rows[0]["pct"] = None
    shown = suppress(table)
    assert shown.rows[0]["pct"] is None


def test_a_table_of_text_only_is_unchanged():
    table = Table(key="t", title="T", definition="d", columns=[Column("a", "A", TEXT)],
                  rows=[{"a": "x"}])
    assert suppress(table).rows == [{"a": "x"}]


# --- the property: nothing suppressed can be recovered -----------------------------------------

def assert_no_line_reveals_a_cell(original: Table, shown: Table, known=frozenset()) -> None:
    """For every line with a visible sum: the cells the reader can neither see nor knows are
    never exactly one (one such cell would be the sum less the others)."""
    for total, parts in lines(original):
        values = [original.total if r == TOTAL_ROW else original.rows[r] for r, _ in
                  (total, *parts)]
        if any(not isinstance(v.get(k), int) for v, (_, k) in zip(values, (total, *parts),
                                                                   strict=True)):
            continue
        secret = [cell for cell in (total, *parts)
                  if _shown(shown, cell) == HIDDEN and cell not in known]
        assert len(secret) != 1, (total, parts, secret)


def assert_no_small_count_can_be_worked_out(original: Table, shown: Table,
                                            known=frozenset()) -> None:
    """A reader works out what they can: a cell is determined when it is shown or known, when
    it is the one undetermined figure of a line with a determined sum (or the sum of
    determined parts), or when a determined sum leaves nothing for its undetermined parts
    (counts are never negative, so they are all 0). No count from 1 to 4 may be determined."""
    value = {}
    for total, parts in lines(original):
        for row, key in (total, *parts):
            value[(row, key)] = (original.total if row == TOTAL_ROW else original.rows[row])[key]
    determined = {cell for cell in value if _shown(shown, cell) != HIDDEN or cell in known}
    changed = True
    while changed:
        changed = False
        for total, parts in lines(original):
            cells = (total, *parts)
            if any(not isinstance(value[c], int) for c in cells):
                continue
            open_parts = [p for p in parts if p not in determined]
            if total in determined:
                left = value[total] - sum(value[p] for p in parts if p in determined)
                if open_parts and (len(open_parts) == 1 or left == 0):
                    determined.update(open_parts)
                    changed = True
            elif not open_parts:
                determined.add(total)
                changed = True
    leaked = [c for c in determined if c not in known and isinstance(value[c], int)
              and 0 < value[c] < 5]
    assert not leaked, leaked


def _shown(table: Table, cell):
    row, key = cell
    return (table.total if row == TOTAL_ROW else table.rows[row])[key]


counts = st.one_of(st.integers(0, 6), st.integers(0, 60))


@st.composite
def cross_tables(draw):
    """Authorities down, categories across, a row total column, a total row, and sometimes a
    subtotal row over some of the authorities; the reader may be one of the authorities."""
    n_rows = draw(st.integers(1, 6))
    n_cats = draw(st.integers(1, 4))
    cats = [f"c{i}" for i in range(n_cats)]
    ids = [uuid4() for _ in range(n_rows)]
    rows = []
    for i in range(n_rows):
        values = {c: draw(counts) for c in cats}
        rows.append({"name": f"A{i}", **values, "all": sum(values.values()),
                     ROW_AUTHORITY: ids[i]})
    sums = [(TOTAL_ROW, tuple(range(n_rows)))]
    if n_rows >= 2 and draw(st.booleans()):
        members = tuple(sorted(draw(st.sets(st.integers(0, n_rows - 1), min_size=2))))
        sub = {c: sum(rows[m][c] for m in members) for c in [*cats, "all"]}
        rows.append({"name": "Partnership", **sub})
        sums.append((n_rows, members))
    for row in rows:
        row["pct"] = 100 * row[cats[0]] / row["all"] if row["all"] else None
    total = {c: sum(rows[i][c] for i in range(n_rows)) for c in [*cats, "all"]}
    total["name"] = "Total"
    total["pct"] = 100 * total[cats[0]] / total["all"] if total["all"] else None
    table = Table(
        key="x", title="X", definition="d",
        columns=[Column("name", "Authority"), *[Column(c, c, COUNT) for c in cats],
                 Column("all", "All", COUNT, parts=tuple(cats)),
                 Column("pct", "%", PERCENT, derived_from=(cats[0], "all"))],
        rows=rows, total=total, row_sums=sums)
    viewer = draw(st.one_of(st.none(), st.sampled_from(ids)))
    return table, viewer


@settings(max_examples=400, deadline=None)
@given(cross_tables())
def test_no_suppressed_cell_can_be_recovered_from_a_line(case):
    table, viewer = case
    shown = suppress(table, viewer_authority=viewer)
    known = {(i, c.key) for i, row in enumerate(table.rows) for c in table.columns
             if viewer is not None and row.get(ROW_AUTHORITY) == viewer}
    # A sum of the reader's own cells (a total over their row alone) is theirs too.
    for total, parts in lines(table):
        if parts and all(p in known for p in parts):
            known.add(total)
    # Every count from 1 to 4 is low, every visible cell is unchanged.
    every = [(i, row) for i, row in enumerate(table.rows)] + [(TOTAL_ROW, table.total)]
    for index, row in every:
        after = shown.total if index == TOTAL_ROW else shown.rows[index]
        for column in table.columns:
            before, now = row[column.key], after[column.key]
            if column.kind == COUNT and 0 < before < 5:
                assert now == HIDDEN
            assert now in (before, HIDDEN)
            if column.key == "pct" and HIDDEN in (after["c0"], after["all"]):
                assert now == HIDDEN
    assert_no_line_reveals_a_cell(table, shown, known)
    assert_no_small_count_can_be_worked_out(table, shown, known)


# --- several tables of one dashboard ---------------------------------------------------------

def test_a_figure_shown_in_two_tables_is_hidden_in_both():
    # A region's count, with a partnership of Kent and Medway among the authorities.
    counts = children_table({"Kent": 120, "Medway": 3, "Dorset": 40})
    counts.rows.append({"name": "South East", "children": 123, "population": 200_000,
                        "rate": 123 / 20})
    counts.row_sums = [(TOTAL_ROW, (0, 1, 2)), (3, (0, 1))]
    location = location_table([("Kent", 100, 20, 0), ("Medway", 3, 0, 0),
                               ("Dorset", 30, 10, 0)])
    for table in (counts, location):  # the same figures: children in care per authority
        table.facts = {(i, "children"): ("in_care", name)
                       for i, name in enumerate(["Kent", "Medway", "Dorset"])}
        table.facts[(TOTAL_ROW, "children")] = ("in_care", "all")
    # On its own, the location table has no partnership to protect Medway from: Kent shows.
    assert suppress(location).rows[0]["children"] == 120
    # Together, South East's 123 - Kent's 120 would give Medway away. Hiding Kent would cost
    # its 120 in both tables and a part of its location row (else 100 + 20 + 0 gives it
    # back): 140 children's figures. Hiding South East's 123 costs less, so that goes.
    shown_counts, shown_location = suppress_together([counts, location])
    assert shown_counts.rows[3]["children"] == HIDDEN
    assert shown_counts.rows[0]["children"] == shown_location.rows[0]["children"] == 120
    assert shown_counts.total["children"] == 163  # the headline stays
    # With a small location unknown in Kent's row: its figure is hidden in both or neither.
    counts.rows[3]["children"] = 123
    location.rows[0].update(inside=100, outside=17, unknown=3, pct=100 * 17 / 120)
    location.total.update(inside=133, outside=27, unknown=3)
    shown_counts, shown_location = suppress_together([counts, location])
    for table in (shown_counts, shown_location):
        assert table.rows[0]["children"] in (120, HIDDEN)
    assert shown_counts.rows[0]["children"] == shown_location.rows[0]["children"]
    assert_no_line_reveals_a_cell(location, shown_location)


def test_sums_across_tables_are_respected():
    by_type = Table(key="t", title="T", definition="d",
                    columns=[Column("name", "Type"), Column("n", "Children", COUNT)],
                    rows=[{"name": "Children's homes", "n": 12}, {"name": "Fostering", "n": 40}],
                    total={"name": "Total", "n": 52},
                    facts={(0, "n"): "homes", (1, "n"): "fostering", (TOTAL_ROW, "n"): "all"})
    by_code = Table(key="c", title="C", definition="d",
                    columns=[Column("name", "Code"), Column("n", "Children", COUNT)],
                    rows=[{"name": "K1", "n": 2}, {"name": "K2", "n": 10},
                          {"name": "U4", "n": 40}],
                    total={"name": "Total", "n": 52},
                    facts={(0, "n"): "K1", (1, "n"): "K2", (2, "n"): "U4", (TOTAL_ROW, "n"): "all"},
                    fact_lines=[(("homes",), ("K1", "K2")), (("fostering",), ("U4",))])
    alone = suppress(by_code)
    assert [r["n"] for r in alone.rows] == [HIDDEN, HIDDEN, 40]  # K2 protects K1 within the table
    shown_type, shown_code = suppress_together([by_type, by_code])
    # Homes (12) = K1 + K2 with both hidden: nothing more is needed, and nothing is lost.
    assert [r["n"] for r in shown_code.rows] == [HIDDEN, HIDDEN, 40]
    assert [r["n"] for r in shown_type.rows] == [12, 40]
    # Without the sum across tables, a different choice inside the code table could leave
    # K2 visible: then homes - K2 = K1. Make K2 the larger so the code table picks U4 first.
    by_code.rows[1]["n"], by_code.rows[2]["n"] = 50, 2
    by_type.rows[0]["n"], by_type.rows[1]["n"] = 52, 2
    by_code.total["n"] = by_type.total["n"] = 54
    shown_type, shown_code = suppress_together([by_type, by_code])
    hidden = {r["name"] for r in shown_code.rows if r["n"] == HIDDEN}
    assert "K1" in hidden and ("K2" in hidden or shown_type.rows[0]["n"] == HIDDEN)


@st.composite
def dashboards(draw):
    """One matrix of counts (authorities by categories) shown three ways: authorities down,
    categories down (authorities across), and authorities' totals alone; the reader may be one
    of the authorities."""
    n_auth, n_cat = draw(st.integers(1, 5)), draw(st.integers(1, 4))
    ids = [uuid4() for _ in range(n_auth)]
    m = [[draw(counts) for _ in range(n_cat)] for _ in range(n_auth)]
    row_total = [sum(r) for r in m]
    col_total = [sum(m[a][c] for a in range(n_auth)) for c in range(n_cat)]
    grand = sum(row_total)
    cats = [f"c{c}" for c in range(n_cat)]
    down = Table(
        key="down", title="A", definition="d",
        columns=[Column("name", "A"), *[Column(k, k, COUNT) for k in cats],
                 Column("all", "All", COUNT, parts=tuple(cats))],
        rows=[{"name": f"A{a}", **dict(zip(cats, m[a], strict=True)), "all": row_total[a],
               ROW_AUTHORITY: ids[a]} for a in range(n_auth)],
        total={"name": "Total", **dict(zip(cats, col_total, strict=True)), "all": grand},
        facts={**{(a, cats[c]): ("m", a, c) for a in range(n_auth) for c in range(n_cat)},
               **{(a, "all"): ("a", a) for a in range(n_auth)},
               **{(TOTAL_ROW, cats[c]): ("c", c) for c in range(n_cat)},
               (TOTAL_ROW, "all"): ("t",)})
    las = [f"la{a}" for a in range(n_auth)]
    across = Table(
        key="across", title="B", definition="d",
        columns=[Column("name", "C"),
                 *[Column(k, k, COUNT, authority_id=ids[a]) for a, k in enumerate(las)],
                 Column("all", "All", COUNT, parts=tuple(las))],
        rows=[{"name": cats[c], **{las[a]: m[a][c] for a in range(n_auth)},
               "all": col_total[c]} for c in range(n_cat)],
        total={"name": "Total", **dict(zip(las, row_total, strict=True)), "all": grand},
        facts={**{(c, las[a]): ("m", a, c) for a in range(n_auth) for c in range(n_cat)},
               **{(c, "all"): ("c", c) for c in range(n_cat)},
               **{(TOTAL_ROW, las[a]): ("a", a) for a in range(n_auth)},
               (TOTAL_ROW, "all"): ("t",)})
    totals = Table(
        key="totals", title="C", definition="d",
        columns=[Column("name", "A"), Column("children", "Children", COUNT),
                 Column("pct", "%", PERCENT, derived_from=("children",))],
        rows=[{"name": f"A{a}", "children": row_total[a], ROW_AUTHORITY: ids[a],
               "pct": 100 * row_total[a] / grand if grand else None} for a in range(n_auth)],
        total={"name": "Total", "children": grand, "pct": 100.0 if grand else None},
        facts={**{(a, "children"): ("a", a) for a in range(n_auth)},
               (TOTAL_ROW, "children"): ("t",)})
    viewer = draw(st.one_of(st.none(), st.sampled_from(range(n_auth))))
    return [down, across, totals], ids, viewer


@settings(max_examples=300, deadline=None)
@given(dashboards())
def test_no_figure_of_a_dashboard_can_be_recovered_from_any_of_its_tables(case):
    tables, ids, viewer = case
    shown = suppress_together(tables, ids[viewer] if viewer is not None else None)
    # Each figure is hidden in every table that shows it, or in none.
    state: dict = {}
    for before, after in zip(tables, shown, strict=True):
        for (row, key), fact in before.facts.items():
            old, new = _shown(before, (row, key)), _shown(after, (row, key))
            assert new in (old, HIDDEN)
            if 0 < old < 5:
                assert new == HIDDEN
            assert state.setdefault(fact, new) == new, fact
    hidden = {fact for fact, value in state.items() if value == HIDDEN}
    # The reader knows their own authority's figures, and whatever those give away.
    known = {f for f in state if viewer is not None and f[0] in ("m", "a") and f[1] == viewer}
    equations = [tuple(t.facts[c] for c in (total, *parts))
                 for t in tables for total, parts in lines(t)]
    for _ in equations:
        for members in equations:
            unknown = [f for f in members if f not in known]
            if len(unknown) == 1:
                known.add(unknown[0])
    for members in equations:
        assert len([f for f in members if f in hidden and f not in known]) != 1, members
