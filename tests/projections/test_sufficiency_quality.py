"""The quality measure: each authority's children by the Ofsted judgement of their home, and
unregistered provision where registration is required, worked out by hand; suppressed across
authority lines like every other measure."""

from __future__ import annotations

from datetime import date

import pytest

from domain.ofsted import Inspection, RegisterEntry
from projections.sufficiency.common import shared_queries
from projections.sufficiency.dashboard import build_dashboard
from projections.sufficiency.quality import placed_by_quality
from projections.sufficiency.scope import resolve_scope
from projections.sufficiency.tables import HIDDEN
from tests.projections.sufficiency_region import SYSTEM, Region, filters, principal, row

DETAILS = dict.fromkeys(("provider_type", "provider_subtype", "setting_name",
                         "local_authority", "owner"), "")


def entry(urn: str, status: str = "active", judgement: str | None = "good") -> RegisterEntry:
    inspection = Inspection(date(2025, 5, 1), None, judgement) if judgement else None
    return RegisterEntry(urn=urn, registration_status=status, registration_date=None,
                         places=4, details=DETAILS, inspection=inspection)


@pytest.fixture
def region(services):
    world = Region(services)
    services.portal.import_ofsted_register(SYSTEM, entries=[
        entry("SC900001", judgement="outstanding"), entry("SC900002", judgement="good"),
        entry("SC900003", judgement="inadequate"), entry("SC900004", judgement=None),
        entry("SC900005", status="cancelled", judgement="good")],
        open_vacancies={}, reason="test")
    home = dict(place="K2", place_provider="PR4")
    # Kent: 6 + 5 good or better, 5 inadequate, 5 not judged, 5 cancelled and 5 not on the
    # register (unregistered), 5 with no URN, and 7 with its own foster carers.
    world.children("Kent", 6, urn="SC900001", **home)
    world.children("Kent", 5, urn="SC900002", **home)
    world.children("Kent", 5, urn="SC900003", **home)
    world.children("Kent", 5, urn="SC900004", **home)
    world.children("Kent", 5, urn="SC900005", **home)
    world.children("Kent", 5, urn="SC912345", **home)
    world.children("Kent", 5, **home)
    world.children("Kent", 7)  # U4 with PR1: the council's own foster carers
    # Dorset: 6 good or better and 2 in unregistered provision (a small count).
    world.children("Dorset", 6, urn="SC900002", **home)
    world.children("Dorset", 2, urn="SC912345", place="H5", place_provider="PR4")
    world.catch_up()
    return world


def test_each_child_is_counted_by_the_judgement_of_their_home(region):
    with region.services.engine.connect() as c, shared_queries():
        table = placed_by_quality(c, region.scope("Kent"), filters())
    kent = row(table, "Kent")
    assert {k: kent[k] for k in ("children", "not_required", "required", "good_or_better",
                                 "ri_or_inadequate", "not_judged", "unregistered",
                                 "urn_unknown")} == {
        "children": 43, "not_required": 7, "required": 36, "good_or_better": 11,
        "ri_or_inadequate": 5, "not_judged": 5, "unregistered": 10, "urn_unknown": 5}
    assert kent["pct_good_or_better"] == pytest.approx(100 * 11 / 36)
    assert kent["pct_unregistered"] == pytest.approx(100 * 10 / 36)
    assert "unregistered provision" in table.definition
    assert "registration suspended, resigned or cancelled" in table.definition


def test_an_officer_sees_their_own_small_counts_and_other_councils_see_them_suppressed(
        region):
    dorset = principal("council_officer", region.ids["Dorset"])
    kent = principal("council_officer", region.ids["Kent"])
    with region.services.engine.connect() as c:
        own = build_dashboard(dorset, c, resolve_scope(dorset, c, "authority", "838"),
                              filters())
        theirs = build_dashboard(kent, c, resolve_scope(kent, c, "authority", "838"),
                                 filters())
    mine = next(t for t in own if t.key == "placed-by-quality")
    assert row(mine, "Dorset")["unregistered"] == 2
    shown = next(t for t in theirs if t.key == "placed-by-quality")
    assert shown.suppressed
    assert row(shown, "Dorset")["unregistered"] == HIDDEN
    assert row(shown, "Dorset")["pct_unregistered"] == HIDDEN
    # The suppressed cell cannot be worked back from the row's other counts.
    hidden = [k for k in ("good_or_better", "ri_or_inadequate", "not_judged", "urn_unknown",
                          "required") if row(shown, "Dorset")[k] == HIDDEN]
    assert hidden
