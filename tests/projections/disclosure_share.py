"""How much of the demo's shared picture disclosure control hides: over every dashboard that
crosses authority lines (each partnership, the region and each authority as its partners see
it), as a council officer of each authority and as a reader with no authority of their own.

Run it on a demo database to print the figures (issue 12 asks for them in the note):

    python -m tests.projections.disclosure_share /path/to/demo.db [--auditor-only]
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from datetime import date
from uuid import uuid4

import sqlalchemy as sa

from domain.principal import Principal
from projections.directory import organisations
from projections.sufficiency.common import shared_queries
from projections.sufficiency.dashboard import build_dashboard, measures
from projections.sufficiency.publication import reporting_filters
from projections.sufficiency.scope import scopes_for
from projections.sufficiency.tables import COUNT, HIDDEN, TEXT, TOTAL_ROW, Filters, Table


@dataclass
class Share:
    figures: int = 0  # numeric cells shown (counts and what is worked out from them)
    hidden: int = 0  # of them, hidden
    counts: int = 0  # count cells
    counts_hidden: int = 0
    large_hidden: int = 0  # count cells of 5 or more hidden to protect another
    headlines_hidden: int = 0  # a view's whole children in care (the children's total)
    bars: int = 0  # the out-of-area chart's bars (percentage placed outside)
    bars_hidden: int = 0

    @property
    def percent(self) -> float:
        return 100 * self.hidden / self.figures if self.figures else 0.0

    @property
    def counts_percent(self) -> float:
        return 100 * self.counts_hidden / self.counts if self.counts else 0.0

    def add(self, other: Share) -> None:
        for name in ("figures", "hidden", "counts", "counts_hidden", "large_hidden",
                     "headlines_hidden", "bars", "bars_hidden"):
            setattr(self, name, getattr(self, name) + getattr(other, name))


def is_hidden(value) -> bool:
    return isinstance(value, str) and value == HIDDEN


def share_of(exact: list[Table], shown: list[Table]) -> Share:
    """The share of ``shown``'s numeric cells that are hidden, with ``exact`` (the same tables
    before disclosure control) telling which hidden counts were 5 or more."""
    found = Share()
    for before, after in zip(exact, shown, strict=True):
        if after.key == "children-in-care" and after.total is not None:
            found.headlines_hidden += is_hidden(after.total.get("children"))
        if after.key == "placed-out-of-area":
            found.bars += len(after.rows)
            found.bars_hidden += sum(is_hidden(row.get("pct_outside")) for row in after.rows)
        rows = [(i, row) for i, row in enumerate(after.rows)]
        if after.total is not None:
            rows.append((TOTAL_ROW, after.total))
        for index, row in rows:
            original = before.total if index == TOTAL_ROW else before.rows[index]
            for column in after.columns:
                value = row.get(column.key)
                if column.kind == TEXT or value is None:
                    continue
                found.figures += 1
                found.hidden += is_hidden(value)
                if column.kind == COUNT:
                    found.counts += 1
                    found.counts_hidden += is_hidden(value)
                    exact_value = original.get(column.key)
                    if is_hidden(value) and isinstance(exact_value, int) and exact_value >= 5:
                        found.large_hidden += 1
    return found


def officer(authority_id) -> Principal:
    return Principal(user_id=uuid4(), email="officer@example.org", display_name="Officer",
                     organisation_id=authority_id, organisation_kind="authority",
                     organisation_name="Council", roles=frozenset({"council_officer"}))


def auditor() -> Principal:
    return Principal(user_id=uuid4(), email="auditor@example.org", display_name="Auditor",
                     organisation_id=uuid4(), organisation_kind="platform",
                     organisation_name="Platform", roles=frozenset({"auditor"}))


def demo_share(connection: sa.Connection, filters: Filters, *, officers: bool = True
               ) -> tuple[Share, dict[str, Share]]:
    """The share hidden over every dashboard that crosses authority lines, for every reader
    (or only a reader with no authority of their own): the whole, and by dashboard
    (partnership, region, authority) for the reader with no authority of their own."""
    ids = connection.execute(sa.select(organisations.c.id)
                             .where(organisations.c.kind == "authority")).scalars().all()
    whole, by_dashboard = Share(), {}
    for viewer in [auditor(), *(officer(i) for i in ids if officers)]:
        for scope in scopes_for(viewer, connection):
            if scope.disclose:
                continue
            shown = build_dashboard(viewer, connection, scope, filters)
            with shared_queries():
                exact = [measure(connection, scope, reporting_filters(filters))
                         for measure in measures()]
            share = share_of(exact, shown)
            whole.add(share)
            if viewer.organisation_kind != "authority":
                by_dashboard[f"{scope.kind}: {scope.name}"] = share
    return whole, by_dashboard


def main(path: str, officers: bool = True) -> None:
    engine = sa.create_engine(f"sqlite:///{path}")
    on = date(2026, 10, 31)
    filters = Filters(on=on, period_start=date(2025, 11, 1), period_end=on)
    with engine.connect() as connection:
        whole, by_dashboard = demo_share(connection, filters, officers=officers)
    for name, share in sorted(by_dashboard.items()):
        print(f"{name}: {share.hidden}/{share.figures} figures hidden ({share.percent:.1f}%), "
              f"{share.counts_hidden}/{share.counts} counts ({share.counts_percent:.1f}%), "
              f"{share.large_hidden} counts of 5 or more; out-of-area bars hidden "
              f"{share.bars_hidden}/{share.bars}; headline hidden: {share.headlines_hidden}")
    readers = "every reader" if officers else "a reader with no council"
    print(f"every dashboard, {readers}: {whole.hidden}/{whole.figures} figures hidden "
          f"({whole.percent:.1f}%), {whole.counts_hidden}/{whole.counts} counts "
          f"({whole.counts_percent:.1f}%), {whole.large_hidden} counts of 5 or more; "
          f"out-of-area bars hidden {whole.bars_hidden}/{whole.bars}; headlines hidden "
          f"{whole.headlines_hidden}")
    engine.dispose()


if __name__ == "__main__":
    main(sys.argv[1], officers=sys.argv[2:] != ["--auditor-only"])
