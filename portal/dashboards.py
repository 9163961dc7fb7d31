"""Shaping sufficiency tables for the page and for CSV downloads.

A presented table holds every cell's words already formatted (see :mod:`portal.figures`), so
templates stay free of logic, and the CSV writer reads the same cells the page shows: a
suppressed value is "c" in both, never a number.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from typing import Any

from markupsafe import Markup, escape

from portal.charts import responsive_chart
from portal.figures import (
    CSV_UNITS,
    LOW_NOTE,
    LOW_TEXT,
    csv_value,
    display,
    explanation,
    is_numeric_kind,
    safe_text,
)
from projections.sufficiency.forecast import yearly_rows
from projections.sufficiency.tables import TOTAL_ROW, Column, Table


@dataclass(frozen=True)
class Cell:
    text: str
    hidden: str | None = None  # visually hidden words after "c", "low" or "unknown"
    numeric: bool = False

    @property
    def html(self) -> Markup:
        """The cell's content: "c", "low" and "unknown" with their hidden explanation."""
        if not self.hidden:
            return escape(self.text)
        return Markup('<span class="app-figure-word">{}</span>'
                      '<span class="govuk-visually-hidden"> {}</span>').format(self.text,
                                                                              self.hidden)


@dataclass
class PresentedTable:
    table: Table
    anchor: str  # the section's id: the table's key, with a prefix where a page needs one
    headers: list[Cell]
    rows: list[list[Cell]]
    total: list[Cell] | None
    chart: Markup | None
    notes: list[str] = field(default_factory=list)
    # The summary shown while the section is collapsed (its key columns, and the key rows of a
    # long table; the full table is on demand), or None when the table is small enough to show
    # whole: headers, rows and total.
    summary: list[list[Cell]] | None = None
    summary_headers: list[Cell] = field(default_factory=list)
    summary_total: list[Cell] | None = None
    yearly: bool = False  # a monthly series summarised a year apart (the forecast)

    @property
    def on_demand(self) -> bool:
        """Whether a page with an address for it shows only this table's summary, with its
        chart and full table on demand (see ``ON_DEMAND_CELLS``)."""
        return (self.summary is not None and not self.yearly
                and len(self.rows) * len(self.headers) > ON_DEMAND_CELLS)

    @property
    def table_id(self) -> str:
        return f"{self.anchor}-table"

    @property
    def key(self) -> str:
        return self.table.key


def _cell(value: Any, column: Column) -> Cell:
    return Cell(text=display(value, column.kind), hidden=explanation(value, column.kind),
                numeric=is_numeric_kind(column.kind))


def _total(table: Table) -> list[Cell] | None:
    if table.total is None:
        return None
    cells = [_cell(table.total.get(c.key), c) for c in table.columns]
    if not cells[0].text:
        cells[0] = Cell("Total")
    return cells


def anchor_for(key: str, prefix: str = "") -> str:
    """An id safe in HTML for a table's section (keys are slugs; this keeps them so)."""
    return prefix + (re.sub(r"[^a-z0-9-]+", "-", key.lower()).strip("-") or "table")


SUMMARY_ROWS = 6  # rows a collapsed section shows (a longer table is shown whole on demand)
# A table of more figures than this (a region's table of its authorities, or of placement
# types by authority: a suppressed figure carries its explanation, so a few hundred bytes of
# HTML each) is not carried by its page beyond its summary: its chart and full table come on
# demand, from the page's address with ``table=<key>`` (the page with that section opened, or
# for htmx that section's content alone), so a region's page is not megabytes of tables most
# readers never open.
ON_DEMAND_CELLS = 500
MOST_SUBTOTALS = 8  # a summary of more subtotal rows than this shows the first rows instead


SUMMARY_COLUMNS = 3  # the label, then the figures a summary keeps


def summary_columns(table: Table) -> list[int]:
    """The columns a summary keeps: the label, the charted figure and the first counts."""
    keys = [c.key for c in table.columns]
    chosen = [0]
    if table.chart is not None and table.chart.value in keys:
        chosen.append(keys.index(table.chart.value))
    for i, column in enumerate(table.columns):
        if len(chosen) >= SUMMARY_COLUMNS:
            break
        if i not in chosen and is_numeric_kind(column.kind):
            chosen.append(i)
    return sorted(chosen)


def summary_rows(table: Table) -> list[int] | None:
    """The rows a collapsed section shows: for the forecast, the months a year apart; for a
    table with subtotals (partnerships among their authorities), those; otherwise the first
    rows. None when the whole table is short enough to show."""
    if table.key == "forecast":
        return yearly_rows(table)
    if len(table.rows) <= SUMMARY_ROWS:
        return None
    subtotals = sorted({i for i, _ in table.sums() if i != TOTAL_ROW})
    if 0 < len(subtotals) <= MOST_SUBTOTALS:
        return subtotals
    return list(range(SUMMARY_ROWS))


def present(table: Table, prefix: str = "") -> PresentedTable:
    anchor = anchor_for(table.key, prefix)
    rows = [[_cell(row.get(c.key), c) for c in table.columns] for row in table.rows]
    headers = [Cell(c.label, numeric=is_numeric_kind(c.kind)) for c in table.columns]
    total = _total(table)
    chosen = summary_rows(table)
    columns = summary_columns(table) if table.key != "forecast" else list(range(len(headers)))
    summary = None
    if rows and (chosen is not None or len(columns) < len(headers)):
        summary = [[rows[i][j] for j in columns]
                   for i in (chosen if chosen is not None else range(len(rows)))]
    presented = PresentedTable(
        table=table, anchor=anchor, headers=headers, rows=rows, total=total, chart=None,
        notes=list(table.notes), summary=summary,
        summary_headers=[headers[j] for j in columns],
        summary_total=None if total is None else [total[j] for j in columns],
        yearly=table.key == "forecast")
    if any(cell.text == LOW_TEXT for row in [*presented.rows, presented.total or []]
           for cell in row[1:]):
        presented.notes.append(LOW_NOTE)
    presented.chart = responsive_chart(table, f"{anchor}-chart", presented.table_id)
    return presented


def table_csv(table: Table) -> str:
    """The table as CSV: a header row naming each column (with its unit), the rows, then the
    total. Figures are the page's, rounded the same way, without separators or symbols."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([safe_text(c.label + CSV_UNITS.get(c.kind, "")) for c in table.columns])
    for row in table.rows:
        writer.writerow([csv_value(row.get(c.key), c.kind) for c in table.columns])
    total = _total(table)
    if total is not None:
        writer.writerow([safe_text(total[0].text)]
                        + [csv_value(table.total.get(c.key), c.kind) for c in table.columns[1:]])
    return out.getvalue()


def slug(text: str) -> str:
    """A name as it reads in an address: "South East" -> "south-east"."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
