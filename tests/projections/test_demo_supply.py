"""The demo's supply as Dorset's 2024 sufficiency report describes it: 16 places in its own
children's homes, rising to 30 through its development pipeline, and supported accommodation
from five local providers with 87 places; each figure by plain SQL and by the measures the
dashboards show."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from domain.organisation import authority_id
from projections.directory import settings
from projections.sufficiency import planning
from projections.sufficiency.tables import Filters, Scope
from projections.supply import developments, in_house_settings
from tests.conftest import DEMO_TODAY

DORSET = authority_id("838")


@pytest.fixture(scope="module")
def db(demo_reader):
    engine = sa.create_engine(demo_reader)
    with engine.connect() as connection:
        yield connection
    engine.dispose()


def dashboard(db, measure):
    filters = Filters(on=DEMO_TODAY, period_start=DEMO_TODAY.replace(year=DEMO_TODAY.year - 1),
                      period_end=DEMO_TODAY)
    return measure(db, Scope("authority", "Dorset", (DORSET,), disclose=True), filters)


def test_dorsets_own_homes_have_16_places_rising_to_30(db):
    homes = dict(db.execute(sa.select(in_house_settings.c.name, in_house_settings.c.places)
                            .where(in_house_settings.c.authority_id == DORSET)).all())
    assert sum(homes.values()) == 20  # 16 open, and 4 in the home seeking registration
    pipeline = db.execute(sa.select(sa.func.sum(developments.c.places)).where(
        developments.c.authority_id == DORSET, developments.c.status == "in_development",
        developments.c.setting_type == "childrens_home")).scalar_one()
    assert pipeline == 14
    capacity = {r["setting"]: r for r in dashboard(db, planning.local_capacity).rows}
    assert capacity["Children's home"]["in_house"] == 16
    gap = {r["kind"]: r for r in dashboard(db, planning.capacity_gap).rows}
    homes_gap = gap["Children's homes"]
    assert homes_gap["pipeline_3"] == 14
    assert capacity["Children's home"]["in_house"] + homes_gap["pipeline_3"] == 30
    assert homes_gap["capacity_3"] == homes_gap["places"] + 14


def test_dorsets_supported_accommodation_is_five_local_providers_with_87_places(db):
    providers, places = db.execute(
        sa.select(sa.func.count(sa.distinct(settings.c.provider_id)),
                  sa.func.sum(settings.c.registered_places))
        .where(settings.c.host_authority_id == DORSET,
               settings.c.setting_type == "supported_accommodation")).one()
    assert (providers, places) == (5, 87)
    capacity = {r["setting"]: r for r in dashboard(db, planning.local_capacity).rows}
    assert capacity["Supported accommodation (16+)"]["places"] == 87
    gap = {r["kind"]: r for r in dashboard(db, planning.capacity_gap).rows}
    assert gap["Supported accommodation"]["places"] == 87
    assert gap["Supported accommodation"]["pipeline_3"] == 8
