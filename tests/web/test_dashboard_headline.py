"""The dashboards at a glance: the headline panel (its figures are its sections' figures, hidden
where they are hidden; the change from a year earlier; marks against targets in words; "No
target set"), the forecast in whole children a year apart, and every month as a CSV."""

from __future__ import annotations

import csv
import io
import re
from datetime import date
from uuid import uuid4

import html5lib

from portal.headline import change, mark, present_headline
from projections.sufficiency.headline import MEASURES, Figure, Reading, headline
from projections.sufficiency.tables import (
    COUNT,
    MONEY,
    PERCENT,
    ROW_AUTHORITY,
    TEXT,
    Column,
    Table,
)
from tests.conftest import account_for
from tests.web.test_sufficiency_pages import page_tables

NS = "{http://www.w3.org/1999/xhtml}"

# Each headline figure: the column of its section's table it is read from.
COLUMNS = {
    "children": "Children in care",
    "rate": "Per 10,000 children",
    "rate_not_uasc": "Per 10,000 children, excluding unaccompanied asylum-seeking children",
    "pct_outside": "Percentage placed outside",
    "pct_outside_not_uasc": "Percentage placed outside",
    "pct_over_20": "Percentage outside and more than 20 miles from home",
    "average_cost": "Average weekly cost",
    "voids_cost": "Cost of empty places",
    "unmet_need": "Percentage closed unfilled",
}


def _text(element) -> str:
    """Visible text (visually hidden words left out), spaces collapsed."""
    if "govuk-visually-hidden" in (element.get("class") or ""):
        return ""
    parts = [element.text or ""]
    for child in element:
        parts += [_text(child), child.tail or ""]
    return " ".join("".join(parts).split())


def headline_figures(html: str) -> dict[str, dict[str, str]]:
    """Each figure of the headline panel by key: its value, change, mark and trend."""
    document = html5lib.parse(html)
    found = {}
    for item in document.iter(f"{NS}li"):
        ident = item.get("id") or ""
        if not ident.startswith("headline-"):
            continue
        parts = {}
        for p in item.iter(f"{NS}p"):
            for name in ("value", "change", "trend"):
                if f"app-headline__{name}" in (p.get("class") or ""):
                    parts[name] = _text(p)
        for tag in item.iter(f"{NS}strong"):
            parts["mark"] = _text(tag)
        found[ident.removeprefix("headline-")] = parts
    return found


def section_figures(html: str, table_id: str, ending: str | None = None
                    ) -> tuple[list[str], list[str]] | None:
    """A section's full table: its header and the row a headline figure stands for (the
    total row where the table has one, otherwise the first row; with ``ending``, the row of
    that breakdown for the whole scope); None without rows."""
    document = html5lib.parse(html)
    table = next((t for t in document.iter(f"{NS}table") if t.get("id") == table_id), None)
    if table is None:
        return None
    rows = [(row, [_text(c) for c in row if c.tag in (f"{NS}th", f"{NS}td")])
            for row in table.iter(f"{NS}tr")]
    header, body = rows[0][1], rows[1:]
    if not body or body[0][1][0] == "No figures for these filters.":
        return None
    totals = [cells for row, cells in body if "app-total-row" in (row.get("class") or "")]
    if ending is not None:
        named = [cells for _, cells in body if cells[0].endswith(f": {ending}")
                 and (not totals or cells[0].startswith("Total:"))]
        return (header, named[0]) if named else None
    return header, totals[0] if totals else body[0][1]


def assert_headline_matches_sections(html: str) -> dict[str, dict[str, str]]:
    figures = headline_figures(html)
    assert len(figures) == len(MEASURES) + 1  # and the targets met
    for measure in MEASURES:
        found = section_figures(html, f"{measure.table}-table", measure.row)
        if found is None:
            assert figures[measure.key]["value"] == "None", measure.key
            continue
        header, row = found
        assert figures[measure.key]["value"] == row[header.index(COLUMNS[measure.key])], \
            measure.key
    return figures


def test_an_officers_headline_shows_their_sections_figures(client):
    client.sign_in(account_for("council_officer", "Dorset"))
    html = client.get("/sufficiency/authorities/838").get_data(as_text=True)
    figures = assert_headline_matches_sections(html)
    # Dorset has set targets for children per 10,000 and out of area (demo), none for cost.
    assert figures["average_cost"]["mark"] == "No target set"
    assert figures["rate"]["mark"] in ("On target", "Close to target", "Off target")
    assert re.fullmatch(r"(Up|Down) .+ on a year earlier|No change on a year earlier",
                        figures["children"]["change"])
    assert figures["pct_outside"]["trend"].count("→") == 2  # three years
    assert "Why the number of children may differ from the placements list" in html


def test_across_authority_lines_the_headline_hides_what_the_sections_hide(client):
    client.sign_in(account_for("provider_user"))
    for url in ("/sufficiency/region", "/sufficiency/partnerships/peninsula",
                "/sufficiency/authorities/838"):
        html = client.get(url).get_data(as_text=True)
        assert_headline_matches_sections(html)


def test_no_target_set_is_said_so_never_unknown(client):
    client.sign_in(account_for("council_officer", "Kent"))
    html = client.get("/sufficiency/region").get_data(as_text=True)
    figures = headline_figures(html)
    # A region has no target of its own: every figure says so in words.
    assert {figures[m.key]["mark"] for m in MEASURES} == {"No target set"}
    targets = page_tables(html)["targets-progress-table"]
    column = targets[0].index("Target")
    assert "unknown" not in {row[column] for row in targets[1:]}
    assert "No target set" in {row[column] for row in targets[1:]}
    assert "Target: unknown" not in html


def test_the_forecast_is_in_whole_children_a_year_apart_with_every_month_to_download(client):
    client.sign_in(account_for("council_officer", "Kent"))
    html = client.get("/sufficiency/region").get_data(as_text=True)
    tables = page_tables(html)
    for key in ("forecast-table", "forecast-need-table"):
        header, *rows = tables[key]
        for row in rows:
            for text, label in zip(row[1:], header[1:], strict=True):
                if "(%)" not in label and "Share" not in label:
                    assert "." not in text, (key, label, text)  # no "515.5" children
    header, *yearly = tables["forecast-table"]
    assert 2 <= len(yearly) <= 7
    months = {row[0].split()[0] for row in yearly}
    assert len(months) == 1  # the same month of each year
    link = re.search(r'href="([^"]+/tables/forecast\.csv[^"]*)"', html).group(1)
    assert "Download every month (CSV)" in html
    response = client.get(link.replace("&amp;", "&"))
    monthly = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert len(monthly) - 1 > 12 * (len(yearly) - 1)  # every month, not only a year apart
    assert [r[0] for r in monthly[1:] if r[0].split()[0] in months] == [r[0] for r in yearly]


# --- a worked example, from tables to words ----------------------------------------------------

def _tables(children: int, rate: float, outside: float | str, target: str) -> list[Table]:
    authority = uuid4()
    return [
        Table(key="children-in-care", title="Children in care", definition="",
              columns=[Column("name", "Authority"), Column("children", "Children", COUNT),
                       Column("rate", "Rate", "rate")],
              rows=[{"name": "Dorset", "children": children, "rate": rate}]),
        Table(key="placed-out-of-area", title="Out of area", definition="",
              columns=[Column("name", "Children"), Column("pct_outside", "Out", PERCENT)],
              rows=[{"name": "All", "pct_outside": outside, "pct_over_20": 20.0}]),
        Table(key="cost-by-type", title="Cost", definition="",
              columns=[Column("group", "Type"), Column("average", "Average", MONEY)],
              rows=[], total={"group": "All placement types", "average": 1450}),
        Table(key="targets-progress", title="Targets", definition="",
              columns=[Column("measure", "Measure"), Column("target", "Target", TEXT),
                       Column("status", "Progress")],
              rows=[{ROW_AUTHORITY: authority,
                     "measure": "Children in care per 10,000 children",
                     "target": target, "status": "Not met"},
                    {ROW_AUTHORITY: authority,
                     "measure": "Percentage placed outside the authority's area",
                     "target": "30", "status": "Not met"}]),
    ]


def test_a_worked_example_of_change_marks_and_trend():
    dated = [(date(2024, 3, 31), _tables(440, 65.2, 47.0, "60")),
             (date(2025, 3, 31), _tables(455, 67.4, 42.0, "60")),
             (date(2026, 3, 31), _tables(472, 70.9, 36.0, "60"))]
    found = present_headline(headline(dated))
    by_key = {f.key: f for f in found["figures"]}
    assert by_key["children"].value.text == "472"
    assert by_key["children"].change == "Up 17 on a year earlier"
    assert by_key["pct_outside"].change == "Down 6.0 percentage points on a year earlier"
    assert [v for _, v in by_key["pct_outside"].trend] == ["47.0%", "42.0%", "36.0%"]
    assert [y for y, _ in by_key["pct_outside"].trend] == ["2024", "2025", "2026"]
    # 36% against a target of at most 30%: more than a tenth over, so off target, in words.
    assert (by_key["pct_outside"].mark, by_key["pct_outside"].target) == (
        "Off target", "Target: at most 30.0%")
    # 70.9 against 60: off; the rate has a target, the cost has none.
    assert by_key["rate"].mark == "Off target"
    assert (by_key["average_cost"].mark, by_key["average_cost"].target) == (
        "No target set", "No target set")
    assert by_key["average_cost"].change == "No change on a year earlier"
    # A section with no rows (no block contracts) reads "None", not 0.
    assert by_key["voids_cost"].value.text == "None"
    assert found["targets"]["figure"] == "0 of 2"


def test_marks_and_changes_against_hidden_figures():
    measure = next(m for m in MEASURES if m.key == "pct_outside")

    def figure(then, now, target=30.0):
        return Figure(measure, [Reading(date(2025, 3, 31), then),
                                Reading(date(2026, 3, 31), now)], target=target)

    assert mark(figure(40.0, 29.0)) == "met"
    assert mark(figure(40.0, 32.5)) == "close"  # within a tenth of 30
    assert mark(figure(40.0, 33.5)) == "off"
    assert mark(figure(40.0, 36.0, target=None)) == "none"
    assert mark(figure(40.0, "c")) == "unknown"  # hidden: no mark that would reveal it
    assert change(figure("c", 36.0)) == "Cannot be compared with a year earlier"
    assert change(figure(36.04, 36.0)) == "No change on a year earlier"
