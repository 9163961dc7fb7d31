"""A dashboard is built once and reused (issue 12): its headline's earlier years, its tables'
downloads and the next reader of the same view cost no further build, until an event moves the
read models on. Builds are counted, never timed."""

from __future__ import annotations

import importlib
import pkgutil
import sqlite3
import zlib
from datetime import UTC, date, datetime
from decimal import Decimal
from uuid import uuid4

import pytest
import sqlalchemy as sa

from domain.timezone import LONDON
from portal.views import sufficiency_as_at
from projections import sufficiency
from projections.base import tracking
from projections.changes import last_changed, table_changes
from projections.directory import accounts
from projections.registry import all_projections
from projections.sufficiency import builds as kept
from projections.sufficiency import dashboard, forecast, stored
from projections.sufficiency.builds import dashboard_builds, tables_named_by
from projections.sufficiency.dashboard import build_dashboard
from projections.sufficiency.headline import dashboard_years, headline
from projections.sufficiency.history import monthly_series
from projections.sufficiency.scope import resolve_scope
from projections.sufficiency.tables import ROW_AUTHORITY, ROW_MEMBERS, Column, Table
from projections.timetravel import rebuild_as_at
from tests.projections.sufficiency_region import ON, SYSTEM, Region, filters, principal


@pytest.fixture
def region(services):
    world = Region(services)
    world.children("Dorset", 3, home_postcode="DT1", placement_postcode="BH1")
    world.children("Kent", 12, home_postcode="ME14", placement_postcode="CT1")
    world.catch_up()
    return world


@pytest.fixture
def builds(monkeypatch) -> list:
    """Every dashboard built from the read models, as (authority ids, date counted on)."""
    found = []
    real = dashboard._build

    def counted(connection, scope, filters, viewer_authority):
        found.append((scope.authority_ids, filters.on))
        return real(connection, scope, filters, viewer_authority)

    monkeypatch.setattr(dashboard, "_build", counted)
    return found


def page(region, viewer, kind, key):
    """What a dashboard page asks for: the dashboard, then its headline's earlier years."""
    with region.services.engine.connect() as c:
        scope = resolve_scope(viewer, c, kind, key)
        tables = build_dashboard(viewer, c, scope, filters())
        return headline(dashboard_years(viewer, c, scope, filters(), tables))


def test_a_dashboard_and_its_headline_years_are_each_built_once(region, builds):
    dorset = principal("council_officer", region.ids["Dorset"])
    first = page(region, dorset, "authority", "838")
    assert sorted(on for _, on in builds) == [date(2024, 3, 31), date(2025, 3, 31),
                                              date(2026, 3, 31)]
    # The same page again, and its tables alone (as a CSV download asks): nothing built again.
    again = page(region, dorset, "authority", "838")
    with region.services.engine.connect() as c:
        tables = build_dashboard(dorset, c, resolve_scope(dorset, c, "authority", "838"),
                                 filters())
    assert len(builds) == 3
    assert [f.now.value for f in again.figures] == [f.now.value for f in first.figures]
    assert tables[0].rows[0]["children"] == first.figures[0].now.value == 3
    # Another reader sees what disclosure control lets them: their own builds.
    page(region, principal("council_officer", region.ids["Kent"]), "authority", "838")
    assert len(builds) == 6


def test_an_event_moves_the_read_models_on_and_the_dashboard_is_built_afresh(region, builds):
    dorset = principal("council_officer", region.ids["Dorset"])
    before = page(region, dorset, "authority", "838")
    region.child("Dorset", date(2026, 1, 5))
    region.catch_up()
    after = page(region, dorset, "authority", "838")
    assert len(builds) == 6
    children = {f.measure.key: f for f in after.figures}["children"]
    assert children.now.value == {f.measure.key: f for f in before.figures}["children"] \
        .now.value + 1


def test_each_reader_gets_their_own_copy(region, builds):
    dorset = principal("council_officer", region.ids["Dorset"])
    with region.services.engine.connect() as c:
        scope = resolve_scope(dorset, c, "authority", "838")
        first = build_dashboard(dorset, c, scope, filters())
        first[0].rows.clear()
        second = build_dashboard(dorset, c, scope, filters())
    assert len(builds) == 1
    assert second[0].rows


# --- kept in the database (issue 14) -------------------------------------------------------

def region_view(region, viewer, on: date = ON):
    with region.services.engine.connect() as c:
        return build_dashboard(viewer, c, resolve_scope(viewer, c, "region", None),
                               filters(on=on))


def test_a_kept_build_reads_back_exactly_as_it_was_built(region, builds):
    kent = principal("council_officer", region.ids["Kent"])
    built = region_view(region, kent)
    kept = region_view(region, kent)
    assert len(builds) == 1
    assert kept == built  # every row, fact, column and note, after disclosure control
    assert any(t.suppressed for t in kept)


def test_another_web_process_reads_the_same_kept_build(region, builds):
    kent = principal("council_officer", region.ids["Kent"])
    built = region_view(region, kent)
    other = sa.create_engine(region.services.engine.url)  # as a second gunicorn worker has
    try:
        with other.connect() as c:
            kept = build_dashboard(kent, c, resolve_scope(kent, c, "region", None), filters())
    finally:
        other.dispose()
    assert len(builds) == 1
    assert kept == built


def test_readers_of_different_authorities_never_share_a_build(region, builds):
    """Disclosure control lets each council officer use their own authority's figures, so the
    region's dashboard hides other cells for Kent's officers than for Dorset's or a
    provider's: each reader's build is kept under their own authority, whoever asked first."""
    readers = [principal("council_officer", region.ids["Dorset"]),
               principal("council_officer", region.ids["Kent"]),
               principal("provider_user", region.provider, kind="provider")]
    first = [region_view(region, reader) for reader in readers]
    again = [region_view(region, reader) for reader in reversed(readers)][::-1]
    assert len(builds) == 3 and again == first
    assert first[0] != first[1] and first[1] != first[2]
    with region.services.engine.connect() as c:  # and the two forecasts the three share
        assert c.execute(sa.select(sa.func.count()).select_from(dashboard_builds)).scalar() == 5
    kept.forget(region.services.engine)  # built afresh the other way round: the same
    assert [region_view(region, reader) for reader in reversed(readers)][::-1] == first


def test_an_event_moves_the_key_of_every_kept_build(region, builds):
    kent = principal("council_officer", region.ids["Kent"])
    region_view(region, kent)
    region.child("Portsmouth", date(2026, 1, 5))
    region.catch_up()
    region_view(region, kent)
    region_view(region, kent)
    assert len(builds) == 2


def test_events_no_dashboard_reads_leave_every_kept_build_as_it_was(region, builds):
    """An invitation and a sign-in move the read models' positions on but change nothing a
    dashboard is built from: the kept builds are read, not built again."""
    kent = principal("council_officer", region.ids["Kent"])
    region_view(region, kent)
    invited, _ = region.portal.invite_account(
        SYSTEM, email="officer@kent.example.gov.uk", display_name="Kent officer",
        organisation_id=region.ids["Kent"], roles=["council_officer"],
        expires_at=datetime(2030, 1, 1, tzinfo=UTC))
    region.portal.activate_account(invited)
    region.portal.record_sign_in(invited, method="password")
    before, moved = key_positions(region), region.services.projections.positions()
    region.catch_up()
    assert region.services.projections.positions()["directory"] > moved["directory"]
    region_view(region, kent)
    assert len(builds) == 1
    assert key_positions(region) == before
    # A child's placement is read: built afresh.
    region.child("Kent", date(2026, 1, 5))
    region.catch_up()
    region_view(region, kent)
    assert len(builds) == 2


def test_the_account_events_change_no_table_a_dashboard_reads(region):
    """The accounts table is the one table of the projections dashboards read that no measure
    reads: an account's whole life changes no other, so it leaves the key where it was, though
    each of its events moves the directory on; and the accounts table's own last change is
    recorded at the account's last event."""
    read = {table for p in all_projections() if p.name in kept.READS for table in p.tables}
    assert accounts in read and accounts not in _measures_read()
    assert accounts.name not in kept.read_tables()
    assert {t.name for t in _measures_read() - {tracking, dashboard_builds}} \
        <= set(kept.read_tables())

    def tables_read() -> dict:
        with region.services.engine.connect() as c:
            return {t.name: sorted(map(tuple, c.execute(sa.select(t)).all()))
                    for t in read if t is not accounts}

    before, key = tables_read(), key_positions(region)
    invited, _ = region.portal.invite_account(
        SYSTEM, email="analyst@kent.example.gov.uk", display_name="Kent analyst",
        organisation_id=region.ids["Kent"], roles=["council_officer"],
        expires_at=datetime(2030, 1, 1, tzinfo=UTC))
    region.portal.activate_account(invited)
    region.portal.enrol_second_factor(invited)
    region.portal.record_sign_in(invited, method="password")
    region.portal.grant_role(SYSTEM, invited, role="auditor", reason="Audits placements")
    position = region.portal.suspend_account(SYSTEM, invited, reason="Left the council")
    region.catch_up()
    with region.services.engine.connect() as c:
        assert c.execute(sa.select(sa.func.count()).select_from(accounts)).scalar() == 1
        assert last_changed(c, [accounts.name]) == {accounts.name: position}
    assert tables_read() == before
    assert key_positions(region) == key


def test_the_key_is_the_last_change_to_a_table_a_dashboard_reads(region):
    """The runner records, with the rows, the position of the event that changed each table:
    a child's placement moves the key to its own position; an account's events after it
    leave the key there."""
    region.child("Kent", date(2026, 1, 5))
    position = region.services.projections.head()
    region.catch_up()
    assert key_positions(region) == (("changed", position),)
    a_new_officer_signs_in(region)
    assert region.services.projections.head() > position
    assert key_positions(region) == (("changed", position),)
    with region.services.engine.connect() as c:
        changed = last_changed(c, kept.read_tables())
    assert max(changed.values()) == position


def test_a_rebuild_counts_as_a_change_and_a_projection_behind_falls_back(region):
    """A rebuild may put other rows in place: its tables count as changed where it installs
    them. While the projections dashboards read stand apart, each one's position is the key."""
    region.child("Kent", date(2026, 1, 5))
    region.catch_up()
    before = key_positions(region)
    a_new_officer_signs_in(region)
    assert key_positions(region) == before
    region.services.projections.rebuild(["placements"])
    assert key_positions(region) == (("changed", region.services.projections.head()),)
    with region.services.engine.begin() as c:
        c.execute(tracking.update().where(tracking.c.name == "placements")
                  .values(position=tracking.c.position - 1))
    assert ("placements", region.services.projections.head() - 1) in key_positions(region)


def a_new_officer_signs_in(region) -> None:
    invited, _ = region.portal.invite_account(
        SYSTEM, email="lead@kent.example.gov.uk", display_name="Kent lead",
        organisation_id=region.ids["Kent"], roles=["council_officer"],
        expires_at=datetime(2030, 1, 1, tzinfo=UTC))
    region.portal.activate_account(invited)
    region.portal.record_sign_in(invited, method="password")
    region.catch_up()


def key_positions(region) -> tuple:
    with region.services.engine.connect() as c:
        return kept.positions(c)


def _measures_read() -> set:
    """The tables the measures read (every sufficiency module but this keeper of builds,
    which names the projections themselves)."""
    read = set()
    for info in pkgutil.iter_modules(sufficiency.__path__):
        if info.name != "builds":
            read |= tables_named_by(importlib.import_module(f"projections.sufficiency.{info.name}"))
    return read


def test_each_date_is_kept_apart(region, builds):
    kent = principal("council_officer", region.ids["Kent"])
    earlier = region_view(region, kent, on=date(2025, 3, 31))
    later = region_view(region, kent)
    assert region_view(region, kent, on=date(2025, 3, 31)) == earlier
    assert region_view(region, kent) == later
    assert [on for _, on in builds] == [date(2025, 3, 31), date(2026, 3, 31)]


def test_an_as_at_dashboard_is_kept_in_the_live_database_by_its_position_and_date(
        region, builds):
    auditor = principal("auditor", None)
    moment = datetime(2026, 3, 31, 23, 0, tzinfo=LONDON)
    svc = region.services
    position = svc.projections.head()

    def as_at() -> dict:
        rebuilt = rebuild_as_at(svc.portal, svc.engine, sufficiency_as_at.projections(),
                                position, key=svc.snapshot_key)
        try:
            with rebuilt.engine.connect() as c:
                return sufficiency_as_at.read(auditor, c, moment, "region", store=svc.engine)
        finally:
            rebuilt.close()

    first = as_at()
    region.child("Kent", date(2026, 1, 5))  # after the position: not in the view as at then
    region.catch_up()
    again = as_at()
    assert len(builds) == 1
    assert [t.table for t in again["tables"]] == [t.table for t in first["tables"]]
    assert first["filters"].on == moment.date()


def test_the_kept_builds_are_bounded_the_oldest_dropped_first(region, builds, monkeypatch):
    monkeypatch.setattr(kept, "LIMIT", 6)  # two of the region's builds, with their forecasts
    kent = principal("council_officer", region.ids["Kent"])
    for on in (date(2024, 3, 31), date(2025, 3, 31), date(2026, 3, 31)):
        region_view(region, kent, on=on)
    region_view(region, kent)  # the newest two are kept
    region_view(region, kent, on=date(2025, 3, 31))
    assert len(builds) == 3
    region_view(region, kent, on=date(2024, 3, 31))  # the oldest was dropped
    assert len(builds) == 4
    with region.services.engine.connect() as c:
        assert c.execute(sa.select(sa.func.count()).select_from(dashboard_builds)).scalar() == 6


def test_the_positions_kept_are_those_of_every_projection_a_dashboard_reads():
    owners = {table: p.name for p in all_projections() for table in p.tables}
    read = set()
    for info in pkgutil.iter_modules(sufficiency.__path__):
        read |= tables_named_by(importlib.import_module(f"projections.sufficiency.{info.name}"))
    read -= {tracking, dashboard_builds, table_changes}
    assert read and all(table in owners for table in read)
    assert {owners[table] for table in read} <= set(kept.READS)


def test_a_table_stores_only_what_it_is_made_of():
    value = [Table(key="k", title="T", definition="d", columns=[Column("name", "Name")],
                   rows=[{"name": "Kent", ROW_AUTHORITY: uuid4(), ROW_MEMBERS: (uuid4(),)}],
                   facts={(0, "n"): ("in_care", frozenset({uuid4()}), None)},
                   fact_lines=[((("a", 1),), (("b", 2),))]),
             {"on": date(2026, 3, 31), "cost": Decimal("1.50")}]
    assert stored.loads(stored.dumps(value)) == value
    with pytest.raises(TypeError, match="cannot be stored with a object"):
        stored.dumps([object()])


@pytest.fixture
def forecasts(monkeypatch) -> list:
    """Every forecast worked out from the read models, as (authority ids, date counted on)."""
    found = []
    real = forecast._forecast

    def counted(connection, ids, everyone, filters):
        found.append((tuple(ids), filters.on))
        return real(connection, ids, everyone, filters)

    monkeypatch.setattr(forecast, "_forecast", counted)
    return found


def test_the_forecast_is_worked_out_once_a_day_for_each_scope(region, forecasts):
    """The region's dashboard works out the region's and the South East partnership's
    forecasts (disclosure control weighs them together); every other reader's dashboard of
    the region, and the partnership's own, reads them as they were kept."""
    kent = principal("council_officer", region.ids["Kent"])
    dorset = principal("council_officer", region.ids["Dorset"])
    region_view(region, kent)
    assert len(forecasts) == 2
    region_view(region, dorset)
    with region.services.engine.connect() as c:
        build_dashboard(dorset, c, resolve_scope(dorset, c, "partnership", "South East"),
                        filters())
    assert len(forecasts) == 2
    region_view(region, kent, on=date(2025, 3, 31))  # another day: worked out again
    assert len(forecasts) == 4
    region.child("Kent", date(2026, 1, 5))
    region.catch_up()
    region_view(region, kent)
    assert len(forecasts) == 6


def test_the_need_forecast_reads_the_line_the_forecast_was_fitted_to(region):
    region.children("Kent", 20, on=date(2023, 6, 1))
    region.catch_up()
    officer = principal("council_officer", region.ids["Kent"])
    with region.services.engine.connect() as c:
        scope = resolve_scope(officer, c, "region", None)
        table = forecast.forecast(c, scope, filters())
        series = monthly_series(c, list(scope.authority_ids), filters())
    counts, line = forecast._counted(table)
    assert counts == series.counts and line == series.line and line is not None


def test_a_rendered_page_is_kept_as_its_text():
    page = '<p class="govuk-body">Kent: “c”</p>\n' * 3
    assert stored.loads(stored.dumps(page)) == page
    with pytest.raises(ValueError, match="neither tables nor a page"):
        stored.loads(zlib.compress(b"?"))


def test_a_build_the_database_is_too_busy_to_keep_is_shown_all_the_same(region, builds,
                                                                         monkeypatch, caplog):
    def busy(engine, key, payload):
        raise sa.exc.OperationalError("INSERT", {}, sqlite3.OperationalError("locked"))

    monkeypatch.setattr(kept, "_keep", busy)
    kent = principal("council_officer", region.ids["Kent"])
    first = region_view(region, kent)
    assert region_view(region, kent) == first and len(builds) == 2  # built again next time
    assert "was not kept: the database was busy (OperationalError)" in caplog.text
