"""What every sufficiency measure returns: a table with its definition, ready to render as a
GOV.UK table, an SVG chart and a CSV download.

A measure computes plain numbers; :mod:`projections.sufficiency.disclosure` then suppresses
small counts in any table that crosses authority lines, replacing a value with ``HIDDEN``
(shown as "c", as official statistics mark a confidential figure). Templates and CSV writers
never see a suppressed number.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass, field
from datetime import date
from typing import Any
from uuid import UUID

# A suppressed cell: a count below 5, or one that would reveal such a count. Official
# statistics mark it "c" (confidential) with a footnote, whatever its size.
HIDDEN = "c"
UNKNOWN = None  # a value that cannot be computed (a distance without postcodes, say)

# Kinds of column, which decide how a value is formatted and summed.
TEXT = "text"
COUNT = "count"  # children, placements: whole numbers, suppressed when small
PERCENT = "percent"  # 0-100, one decimal place
RATE = "rate"  # per 10,000 children
MONEY = "money"  # whole pounds
MILES = "miles"
NUMBER = "number"


# A row's authority, kept under a key no column uses (columns never start with "_"): disclosure
# control reads it to know which cells a viewer already knows (their own authority's).
ROW_AUTHORITY = "_authority_id"
# A subtotal row's authorities (a partnership among the region's authorities), kept the same
# way: the same figure as that partnership's own total on its dashboard.
ROW_MEMBERS = "_members"
TOTAL_ROW = -1  # stands for ``Table.total`` in ``Table.row_sums``


ALL = "all"  # in a fact: every authority in the view


def in_care(authority: UUID | str, group: str | None = None,
            code: str | None = None) -> tuple:
    """The fact "children in care on the dashboard's date" (of the chosen placement type), for
    one authority or ALL of them, optionally of one placement type group or one SSDA903 code.
    A fact is only ever compared within one dashboard (one scope, one set of filters)."""
    return ("in_care", authority, group, code)


def in_care_uasc(authority: UUID | str | frozenset, uasc: bool) -> tuple:
    """The fact "unaccompanied asylum-seeking children in care on the dashboard's date"
    (``uasc``), or the other children in care, for one authority, a partnership's authorities
    or ALL of them."""
    return ("in_care_uasc", authority, uasc)


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    kind: str = TEXT
    # For a COUNT column that, in every row, is the sum of other COUNT columns (e.g. children
    # = inside + outside + location not known): those columns' keys. Disclosure control keeps
    # such a row line from revealing a suppressed cell.
    parts: tuple[str, ...] = ()
    # For a figure worked out from counts in the same row (a percentage, a rate, an average):
    # the COUNT columns it comes from. It is suppressed whenever any of them is.
    derived_from: tuple[str, ...] = ()
    # For a column holding one authority's figures (e.g. placements by type, one column per
    # authority): that authority, whose officers already know the column.
    authority_id: UUID | None = None
    # How a figure derived from counts is worked out again when its counts are rounded for
    # publication across authority lines (projections/sufficiency/publication.py): "count"
    # (it follows its first count, over its second for a percentage of two), "share" (its
    # count over the table total's), or "none" (an average, or worked out from published
    # counts already).
    rounding: str = "count"


@dataclass(frozen=True)
class Chart:
    """A bar chart of one numeric column against the label column (the first column)."""

    value: str  # the column key charted
    kind: str = "bar"  # "bar" or "line" (a line over periods, e.g. the forecast)
    low: str | None = None  # for a line: columns drawn as the band of uncertainty
    high: str | None = None
    target: float | None = None  # a reference line, e.g. the authority's own target


@dataclass
class Table:
    key: str  # a slug: the anchor on the page and the CSV file's name
    title: str
    definition: str  # what is counted and how, in plain English, citing the DfE where used
    columns: list[Column]
    rows: list[dict[str, Any]]
    total: dict[str, Any] | None = None
    chart: Chart | None = None
    notes: list[str] = field(default_factory=list)
    suppressed: bool = False  # whether disclosure control was applied
    # Which rows add up to which, for every COUNT column: (sum row, part rows), rows by index
    # and TOTAL_ROW for ``total``. Empty means ``total`` (if any) is the sum of every row; a
    # table with subtotal rows (a partnership among its authorities) lists every sum.
    row_sums: list[tuple[int, tuple[int, ...]]] = field(default_factory=list)
    # The same figure often appears in several tables of one dashboard (Kent's children in
    # care: in the count, by placement type, out of area). ``facts`` names such COUNT cells,
    # (row index or TOTAL_ROW, column key) -> a fact (see :func:`in_care`), so disclosure
    # control hides a figure everywhere or nowhere; ``fact_lines`` are sums across tables, as
    # (facts on one side, facts on the other): e.g. children's homes = K1 + K2.
    facts: dict[tuple[int, str], Hashable] = field(default_factory=dict)
    fact_lines: list[tuple[tuple[Hashable, ...], tuple[Hashable, ...]]] = field(
        default_factory=list)
    # COUNT columns hidden together in a row: when one is hidden, so are the others. Starts
    # and ends are, because with the counts in care at the period's two ends (other views)
    # they add up: in care at the end = in care before + starts - ends.
    hidden_together: tuple[str, ...] = ()

    def column(self, key: str) -> Column:
        return next(c for c in self.columns if c.key == key)

    def sums(self) -> list[tuple[int, tuple[int, ...]]]:
        """The row sums, with the default (the total adds up every row) filled in."""
        if self.row_sums or self.total is None:
            return list(self.row_sums)
        return [(TOTAL_ROW, tuple(range(len(self.rows))))]


@dataclass(frozen=True)
class Scope:
    """Whose children a view counts: one authority, a partnership or the whole region.

    ``disclose`` is True only when the viewer is an officer of the one authority in scope:
    every other view crosses authority lines and is suppressed.
    """

    kind: str  # "authority" | "partnership" | "region"
    name: str
    authority_ids: tuple[UUID, ...]
    disclose: bool
    key: str = ""  # what names it in an address: the LA code, the partnership's name, "region"


@dataclass(frozen=True)
class Filters:
    on: date  # the date counts are taken on (the DfE counts at 31 March)
    period_start: date  # the period for starts, ends, moves and stability
    period_end: date
    place_group: str | None = None  # one of domain.ssda903.GROUPS, or all
    area: UUID | None = None  # one authority within the scope, or all
