"""The demo's joint tenders: each at its stage through the real commands, with market
engagement responses, an awarded framework and an awarded block contract whose contract shows
in the sufficiency views; loading again adds nothing."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from domain.organisation import authority_id
from domain.tender_terms import add_working_days
from portal.demo.loader import LoadReport, load_demo
from portal.demo.tenders import TENDERS, load_tenders, tender_id
from projections.notices import notices
from projections.placements import contracts
from projections.sufficiency.occupancy import block_contracts
from projections.sufficiency.tables import Filters, Scope
from projections.tenders import engagement_responses, tender_partners, tenders
from tests.conftest import DEMO_TODAY

FILTERS = Filters(on=DEMO_TODAY, period_start=DEMO_TODAY - timedelta(days=365),
                  period_end=DEMO_TODAY)


@pytest.fixture
def db(demo_services):
    with demo_services.engine.connect() as c:
        yield c


def row(db, key: str):
    return db.execute(sa.select(tenders).where(tenders.c.id == tender_id(key))).mappings().one()


def test_each_tender_is_at_its_stage(db):
    stages = {r.title: r.stage for r in db.execute(sa.select(tenders.c.title, tenders.c.stage))}
    assert stages == {
        "Peninsula fostering and residential frameworks re-tender": "contracted",
        "Devon residential block contract": "contracted",
        "Devon supported living framework": "invitation_to_tender",
        "Dorset supported accommodation block contracts": "market_engagement",
        "South East regional procurement: children with complex needs": "evaluation",
    }


def test_the_south_east_procurement_as_the_councils_describe_it(db):
    se = row(db, "south-east-complex-needs")
    assert (se["estimated_annual_value"], se["term_months"], se["route"]) == (
        3_564_000, 120, "block_contract")
    assert se["engagement_closes"] is not None  # preceded by market engagement
    assert se["bids_opened"] == 3
    decisions = {r.name: r.decision_reference for r in db.execute(
        sa.select(tender_partners).where(tender_partners.c.tender_id == se["id"]))}
    assert decisions == {"Kent": "21/00094", "Portsmouth": "PCC-CS-2025-07",
                         "West Sussex": None}


def test_devon_values_and_market_engagement_responses(db):
    assert row(db, "devon-residential-block")["estimated_total_value"] == 10_780_000
    supported = row(db, "devon-supported-living")
    assert (supported["estimated_total_value"], supported["term_months"]) == (14_000_000, 48)
    assert supported["bid_deadline"].date() > DEMO_TODAY  # still open to bids
    dorset = row(db, "dorset-supported-blocks")
    assert dorset["term_months"] == 84
    assert dorset["engagement_closes"].date() == DEMO_TODAY + timedelta(days=2)
    responses = dict(db.execute(sa.select(engagement_responses.c.tender_id, sa.func.count())
                                .group_by(engagement_responses.c.tender_id)).all())
    assert responses == {tender_id("peninsula-frameworks"): 3,
                         tender_id("dorset-supported-blocks"): 3,
                         tender_id("south-east-complex-needs"): 4}


def test_the_awards_are_contracts_in_the_sufficiency_views(db):
    awarded = db.execute(sa.select(contracts).where(contracts.c.tender_id.is_not(None))
                         .order_by(contracts.c.title)).mappings().all()
    assert {(c["route"], c["tender_id"]) for c in awarded} == {
        ("framework", tender_id("peninsula-frameworks")),
        ("block", tender_id("devon-residential-block"))}
    assert sum(c["route"] == "framework" for c in awarded) == 7
    devon = Scope(kind="authority", name="Devon", authority_ids=(authority_id("878"),),
                  disclose=True, key="878")
    block, = block_contracts(db, devon, FILTERS).rows
    assert (block["places"], block["occupied_on"]) == (8, 0)
    assert block["empty_cost"] > 0


def test_notices_come_from_the_demo_tenders(db):
    kinds = sorted(r.kind for r in db.execute(sa.select(notices.c.kind)))
    assert kinds.count("engagement_opened") == 3
    assert kinds.count("clarification_published") == 2


def test_loading_again_adds_nothing(demo_services):
    portal = demo_services.portal
    before = portal.last_position()
    report = LoadReport()
    load_tenders(portal, DEMO_TODAY, report)
    assert (report.created, portal.last_position()) == (0, before)
    assert report.skipped > 5 * len(TENDERS)


@pytest.mark.parametrize(("today", "key"), [
    (date(2027, 6, 16), "peninsula-frameworks"),  # awarded on Friday 18 December 2026
    (date(2027, 4, 23), "devon-residential-block"),  # awarded on Christmas Eve 2026
])
def test_the_demo_loads_whatever_bank_holidays_fall_in_a_standstill(services, today, key):
    """The demo's dates move with the day it is loaded; a standstill over Christmas needs more
    calendar days, and the demo takes them rather than failing."""
    credentials = services.credentials
    load_demo(services.portal, credentials.set_password, credentials.has_password, today=today)
    planned = next(demo.timetable for demo in TENDERS if demo.key == key)
    tender = services.portal.get_tender(tender_id(key))
    awarded_on = today + timedelta(days=planned["award"])
    assert (awarded_on.month, awarded_on.day) in ((12, 18), (12, 24))
    assert tender.stage == "contracted"
    assert tender.standstill_ends == add_working_days(awarded_on, 8)
    assert tender.standstill_ends > today + timedelta(days=planned["standstill_ends"])
