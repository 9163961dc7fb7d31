"""The Placements Data Standard export: the standard's six groups and 41 fields in order, only
what the portal holds filled in, and only ever the viewer's own authority's placements."""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from uuid import uuid4

import pytest

from domain.actor import Actor
from domain.permissions import Forbidden
from domain.principal import Principal
from projections.placements_standard import (
    FIELDS,
    GROUPS,
    placements_standard_records,
    write_csv,
    write_json,
)
from tests.projections.scenario import build_region

SYSTEM = Actor.system()


def viewer(organisation_id, role="council_officer") -> Principal:
    return Principal(user_id=uuid4(), email="o@example.org", display_name="Officer",
                     organisation_id=organisation_id, organisation_kind="authority",
                     organisation_name="Somewhere", roles=frozenset({role}))


@pytest.fixture
def placed(services):
    """Dorset: a child in foster care then a children's home (with a legal status change in
    between), a child placed with parents; Kent: one child in supported accommodation."""
    (dorset, kent, _), settings = build_region(services.portal)
    provider, setting, _ = settings[0]  # a children's home in DT1
    portal = services.portal
    portal.start_placement(SYSTEM, authority_id=dorset, child_ref="CAAAAAAAAAAA1",
                           birth_month="2011-04", sex="1", uasc=False, on=date(2025, 1, 6),
                           terms=dict(legal_status="C2", place="U4", place_provider="PR1",
                                      weekly_cost=450, placement_postcode="BH20 4",
                                      home_postcode="DT1 1"))
    portal.change_placement(SYSTEM, dorset, "CAAAAAAAAAAA1", on=date(2025, 3, 3), terms=dict(
        rne="L", legal_status="C1", place="U4", place_provider="PR1", weekly_cost=450,
        placement_postcode="BH20 4", home_postcode="DT1 1"))
    portal.change_placement(SYSTEM, dorset, "CAAAAAAAAAAA1", on=date(2025, 6, 2), terms=dict(
        rne="P", legal_status="C1", place="K2", place_provider="PR4", provider_id=provider,
        setting_id=setting, urn="SC123456", weekly_cost=5120, reason_place_change="CARPL"))
    portal.start_placement(SYSTEM, authority_id=dorset, child_ref="CAAAAAAAAAAA2",
                           birth_month="2012-04", sex="2", uasc=False, on=date(2025, 2, 3),
                           terms=dict(legal_status="C2", place="P1", place_provider="PR0"))
    portal.start_placement(SYSTEM, authority_id=kent, child_ref="CAAAAAAAAAAA3",
                           birth_month="2008-04", sex="1", uasc=True, on=date(2025, 2, 3),
                           terms=dict(legal_status="C2", place="K3", place_provider="PR4",
                                      urn="XXXXXXX", placement_postcode="ME14 5"))
    services.projections.catch_up()
    return services, dorset, kent


def test_the_layout_is_the_standards_six_groups_and_41_fields():
    assert list(GROUPS) == ["PlacementAvailability", "PlacementRequirements",
                            "PlacementRecommendation", "Risks", "ActualPlacement",
                            "QualityAssurance"]
    assert [len(f) for f in GROUPS.values()] == [4, 8, 3, 13, 7, 6]
    assert len(FIELDS) == len(set(FIELDS)) == 41
    assert FIELDS[0] == "childId"
    assert GROUPS["ActualPlacement"] == (
        "totalWeeklyCost", "placementLocation", "preferabilityLocation", "educationContinuity",
        "providerURN", "siblingsPlacedTogether", "placementType")


def test_one_record_per_placement_with_only_what_the_portal_holds(placed):
    services, dorset, _ = placed
    with services.engine.connect() as c:
        records = list(placements_standard_records(viewer(dorset), c))
    # The legal-status-only episode continues the foster placement; placed with parents is
    # none of the standard's three placement types.
    assert [(r["childId"], r["placementType"]) for r in records] == [
        ("CAAAAAAAAAAA1", "Foster"), ("CAAAAAAAAAAA1", "Residential")]
    foster, home = records
    assert (foster["totalWeeklyCost"], foster["placementLocation"], foster["providerURN"]) == (
        450, "BH20", None)
    assert (home["totalWeeklyCost"], home["placementLocation"], home["providerURN"]) == (
        5120, "DT1", "SC123456")
    held = {"childId", "totalWeeklyCost", "placementLocation", "providerURN", "placementType"}
    for record in records:
        assert list(record) == list(FIELDS)
        assert all(record[f] is None for f in FIELDS if f not in held), record


def test_another_authority_sees_only_its_own_and_others_are_refused(placed):
    services, dorset, kent = placed
    with services.engine.connect() as c:
        kents = list(placements_standard_records(viewer(kent), c))
        assert [(r["childId"], r["placementType"], r["providerURN"], r["placementLocation"])
                for r in kents] == [("CAAAAAAAAAAA3", "Supported Accommodation", None, "ME14")]
        assert list(placements_standard_records(viewer(uuid4()), c)) == []
        for role in ("provider_user", "auditor", "platform_admin"):
            with pytest.raises(Forbidden):
                list(placements_standard_records(viewer(dorset, role), c))


def test_csv_and_json_writers_keep_the_layout_and_leave_blanks_blank(placed):
    services, dorset, _ = placed
    with services.engine.connect() as c:
        out = io.StringIO()
        assert write_csv(placements_standard_records(viewer(dorset), c), out) == 2
        rows = list(csv.DictReader(io.StringIO(out.getvalue())))
        assert list(rows[0]) == list(FIELDS)
        assert rows[1]["totalWeeklyCost"] == "5120" and rows[1]["neededBy"] == ""
        out = io.StringIO()
        assert write_json(placements_standard_records(viewer(dorset), c), out) == 2
    document = json.loads(out.getvalue())
    assert (document["standard"], document["version"]) == ("Placements Data Standard", "v2")
    first = document["placements"][0]
    assert list(first) == list(GROUPS)
    assert first["ActualPlacement"]["placementType"] == "Foster"
    assert first["PlacementAvailability"] == {"childId": "CAAAAAAAAAAA1", "neededBy": None,
                                              "siblingCount": None, "preferredLocation": None}
