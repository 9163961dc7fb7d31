"""An SSDA903 row whose Ofsted URN or placement postcode district the portal does not know is
still imported, with a warning per row in the import report, and reads "not known" (never
inside) wherever the child's placement is shown; a URN in the directory resolves the setting,
its provider and its host authority."""

from __future__ import annotations

from datetime import date
from uuid import uuid4

import pytest

from domain.actor import Actor
from portal.imports.report import EPISODES, Problem, Report
from projections.placement_queries import child_timeline
from tests.projections.test_placement_queries import officer
from tests.ssda903_files import episode, header, import_files, register_authorities, write

SYSTEM = Actor.system()


@pytest.fixture
def svc(services):
    register_authorities(services.portal)
    dorset = services.portal.get_authority("838").id
    provider, _ = services.portal.register_provider(SYSTEM, name="Oakfield Homes Ltd",
                                                    kind="childrens_home_operator")
    services.portal.add_setting(SYSTEM, provider, name="Ash House",
                                setting_type="childrens_home", ofsted_urn="SC654321",
                                host_authority_id=dorset, postcode_district="DT1",
                                registered_places=3)
    services.projections.catch_up()
    return services


def run(svc, tmp_path, rows) -> Report:
    folder = tmp_path / uuid4().hex
    folder.mkdir()
    children = sorted({row["CHILD"] for row in rows})
    return import_files(svc, write(folder / "e.csv", rows),
                        write(folder / "h.csv", [header(c, date(2012, 4, 4)) for c in children]))


def page(svc, child: str) -> dict:
    svc.projections.catch_up()
    who = officer(svc.portal.get_authority("838").id, "Dorset")
    with svc.engine.connect() as c:
        return child_timeline(who, c, svc.child_refs.reference("838", child))["episodes"][-1]


def test_unknown_urns_and_districts_import_with_a_warning_per_row(svc, tmp_path):
    started = date(2025, 1, 6)
    report = run(svc, tmp_path, [
        episode("KNOWN", started, place="K2", provider="PR4", placement="DT1 1AB",
                urn="SC654321"),
        episode("UNKNOWN", started, place="K2", provider="PR4", placement="ZZ9 9ZZ",
                urn="SC999999"),
        episode("HOME", started, place="P1", provider="PR0", placement="DT2 9PS",
                urn="XXXXXXX"),
        episode("BAD", started, place="Q9", urn="SC888888"),
    ])
    assert (report.rows, report.accepted, report.rejected, report.warned) == (4, 3, 1, 1)
    assert report.warnings == [
        Problem(EPISODES, 3, "URN", "Ofsted URN SC999999 is not a setting in the directory"),
        Problem(EPISODES, 3, "PL_POST",
                "Postcode district ZZ9 is not in the postcode directory")]
    assert "1 row was imported with a warning." in report.summary()
    assert "imported with a warning" in report.to_csv()
    assert Report.from_dict(report.to_dict()).warnings == report.warnings

    known = page(svc, "KNOWN")
    assert (known["setting_name"], known["provider_name"], known["area"],
            known["area_name"], known["notes"]) == (
        "Ash House", "Oakfield Homes Ltd", "in", "Dorset", [])
    unknown = page(svc, "UNKNOWN")
    assert (unknown["setting_name"], unknown["provider_name"], unknown["area"]) == (
        None, None, "unknown")
    assert unknown["notes"] == [w.reason for w in report.warnings]
    assert page(svc, "HOME")["area"] == "in"
