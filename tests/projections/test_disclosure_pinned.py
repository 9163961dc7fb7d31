"""Disclosure control hides exactly what it hid when it was made faster (issue 14).

What the code before that change hid was recorded, cell by cell, in
``data/disclosure_pinned.json`` (recorded while that code and the faster one were compared
side by side and agreed): for every dashboard a build asks for on the demo region and on a
generated history of small authorities (the region, each partnership and one authority of
each, read by someone with no council and by a council officer), where most counts are small
and secondary suppression runs across many linked tables; and for 300 seeded random regions of
2 to 6 authorities. Each test works the same dashboards out again and hides exactly the same
cells, no more and no fewer.

When the inputs change (the demo region, the generated history's recipe) the recording goes
stale: record it again with ``PIN_DISCLOSURE=record`` only after checking that the rules did
not change, since the recording is then made by the code under test.
"""

from __future__ import annotations

import json
import os
import random
from datetime import UTC, date, datetime
from pathlib import Path
from uuid import UUID

import pytest
import sqlalchemy as sa

from projections.directory import organisations, partnership_members
from projections.placement_summary import TABLES as summary_tables
from projections.placement_summary import rows_from_episodes
from projections.placements import placement_episodes
from projections.sufficiency import dashboard, disclosure
from projections.sufficiency.scope import widest_scopes
from projections.sufficiency.tables import HIDDEN, TOTAL_ROW, Filters, Scope
from tests.benchmarks import test_sufficiency_dashboard as generated
from tests.benchmarks.test_sufficiency_dashboard import _authorities, _child_episodes
from tests.projections.test_sufficiency_disclosure_views import (
    CATEGORIES,
    region_and_partnership,
)

PINNED = Path(__file__).parent / "data" / "disclosure_pinned.json"
RECORD = os.environ.get("PIN_DISCLOSURE") == "record"
RANDOM_REGIONS = 300

# The demo's last month end, and a year to 31 March for the generated history.
DEMO = Filters(on=date(2026, 10, 31), period_start=date(2025, 11, 1),
               period_end=date(2026, 10, 31))
GENERATED = Filters(on=date(2026, 3, 31), period_start=date(2025, 4, 1),
                    period_end=date(2026, 3, 31))


def hidden_cells(views) -> list[list]:
    """Every hidden cell of disclosed views: [view, table key, row (TOTAL_ROW for the
    total), column], in order."""
    return [[v, table.key, row, column]
            for v, tables in enumerate(views) for table in tables
            for row, values in [*enumerate(table.rows), (TOTAL_ROW, table.total or {})]
            for column, value in values.items() if value == HIDDEN]


def check_pinned(name: str, found: dict[str, list]) -> None:
    """``found`` (a label per dashboard, its hidden cells) equals the recording of ``name``;
    with PIN_DISCLOSURE=record, it becomes the recording."""
    pinned = json.loads(PINNED.read_text()) if PINNED.exists() else {}
    if RECORD:
        pinned[name] = found
        PINNED.write_text(_as_text(pinned))
        return
    assert name in pinned, f"nothing recorded for {name}: PIN_DISCLOSURE=record"
    assert sorted(found) == sorted(pinned[name])
    for label, cells in found.items():
        assert cells == pinned[name][label], label


def _as_text(pinned: dict[str, dict[str, list]]) -> str:
    """The recording as JSON, one dashboard a line (readable diffs when it is re-recorded)."""
    return "{\n" + ",\n".join(
        f"{json.dumps(name)}: {{\n" + ",\n".join(
            f"  {json.dumps(label)}: {json.dumps(cells)}"
            for label, cells in sorted(pinned[name].items())) + "\n}"
        for name in sorted(pinned)) + "\n}\n"


def _builds(connection: sa.Connection, filters: Filters) -> list[tuple]:
    """The dashboards to pin: the region, every partnership and one authority of each, read
    by someone with no council and by an officer of the partnership's first authority."""
    builds = []
    for scope in widest_scopes(connection):
        first = scope.authority_ids[0]
        authority = Scope("authority", "One authority", (first,), False, "one")
        builds += [(scope, filters, None), (scope, filters, first),
                   (authority, filters, None)]
    return builds


def _dashboards_hidden(connection: sa.Connection, filters: Filters, monkeypatch
                       ) -> dict[str, list]:
    """Build each dashboard; the cells disclosure control hid in each, by a label naming the
    scope, the reader's authority and which suppression of the build it was."""
    disclosed = []
    real = dashboard.suppress_views

    def kept(views, viewer_authority=None, wanted=None):
        shown = real(views, viewer_authority, wanted=wanted)
        disclosed.append(shown)
        return shown

    monkeypatch.setattr(dashboard, "suppress_views", kept)
    found: dict[str, list] = {}
    builds = _builds(connection, filters)
    assert len(builds) >= 6
    for scope, filters, viewer_authority in builds:
        disclosed.clear()
        dashboard._build(connection, scope, filters, viewer_authority)
        assert disclosed
        for n, shown in enumerate(disclosed):
            label = f"{scope.name} ({scope.authority_ids[0]}) read by {viewer_authority} #{n}"
            # One authority may be first of the region and of a partnership: built twice.
            assert found.setdefault(label, hidden_cells(shown)) == hidden_cells(shown)
    return found


def test_the_demo_regions_dashboards_hide_what_they_hid_before(demo_reader, monkeypatch):
    engine = sa.create_engine(demo_reader)
    try:
        with engine.connect() as connection:
            found = _dashboards_hidden(connection, DEMO, monkeypatch)
    finally:
        engine.dispose()
    assert sum(map(len, found.values())) > 0
    check_pinned("demo region", found)


@pytest.fixture
def small_counts(services, monkeypatch):
    """Twenty authorities in three partnerships with about thirty children each (a fixed
    seed, ids too): most counts of a placement type or a month are 1 to 4."""
    rng = random.Random(1414)
    ids = random.Random(1415)
    monkeypatch.setattr(generated, "uuid4", lambda: UUID(int=ids.getrandbits(128), version=4))
    authorities = _authorities(rng)[:20]
    everywhere = [d for a in authorities for d in a["districts"]]
    episodes = []
    for number in range(1, 601):
        episodes.extend(_child_episodes(rng, rng.choice(authorities), everywhere, number))
    now = datetime.now(UTC)
    with services.engine.begin() as c:
        c.execute(organisations.insert(), [
            {**{k: v for k, v in a.items() if k != "districts"}, "registered_at": now}
            for a in authorities])
        c.execute(partnership_members.insert(), [
            {"partnership": f"Partnership {n % 3 + 1}", "authority_id": a["id"]}
            for n, a in enumerate(authorities)])
        c.execute(placement_episodes.insert(), episodes)
        for name, rows in rows_from_episodes(episodes).items():
            c.execute(summary_tables[name].insert(), rows)
    return services


def test_a_generated_history_of_small_counts_hides_what_it_hid_before(small_counts,
                                                                      monkeypatch):
    with small_counts.engine.connect() as connection:
        found = _dashboards_hidden(connection, GENERATED, monkeypatch)
    assert sum(map(len, found.values())) > 100
    check_pinned("generated history", found)


def seeded_region(seed: int):
    """A region of 2 to 6 authorities and a partnership of 2 or more of them, with counts
    small (0 to 6) or not (0 to 300), read by someone with no council or by one of them."""
    rng = random.Random(seed)
    ids = [UUID(int=rng.getrandbits(128), version=4) for _ in range(rng.randint(2, 6))]
    counts = {a: {k: rng.randint(0, 6) if rng.random() < 0.5 else rng.randint(0, 300)
                  for k in CATEGORIES} for a in ids}
    members = tuple(a for a in ids if a in set(rng.sample(ids, rng.randint(2, len(ids)))))
    viewer = rng.choice([None, *ids])
    return counts, members, viewer


def test_random_regions_hide_what_they_hid_before():
    found = {}
    for seed in range(RANDOM_REGIONS):
        counts, partnership, viewer = seeded_region(seed)
        views = region_and_partnership(counts, partnership)
        found[str(seed)] = hidden_cells(disclosure.suppress_views(views, viewer))
    assert sum(map(len, found.values())) > RANDOM_REGIONS
    check_pinned("random regions", found)
