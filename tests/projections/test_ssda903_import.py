"""The SSDA903 importer on a real store: rows become placements, a second import of the same
file changes nothing, a later file changes exactly what changed, and the raw child id, date of
birth and postcode are never stored."""

from __future__ import annotations

from datetime import date
from uuid import uuid4

import pytest
import sqlalchemy as sa

from domain.actor import Actor
from domain.data_import import DataImport
from domain.errors import PermissionDenied
from domain.placement import Placement, placement_id
from portal.imports import apply as apply_module
from projections.placements import data_imports, placement_children, placement_episodes
from tests.ssda903_files import episode, header, import_files, register_authorities, write

SYSTEM = Actor.system()
DORSET, KENT = "838", "886"


@pytest.fixture
def svc(services):
    register_authorities(services.portal)
    return services


def authority(svc, la=DORSET):
    return svc.portal.get_authority(la)


def run(svc, tmp_path, episodes, headers=None, la=DORSET, actor=SYSTEM):
    folder = tmp_path / uuid4().hex
    folder.mkdir()
    return import_files(svc, write(folder / "e.csv", episodes),
                        write(folder / "h.csv", headers) if headers is not None else None,
                        la=la, actor=actor)


def placement(svc, child, la=DORSET) -> Placement:
    ref = svc.child_refs.reference(la, child)
    return svc.portal.repository.get(placement_id(authority(svc, la).id, ref))


def placement_events(svc) -> list[str]:
    notes = svc.portal.recorder.select_notifications(start=1, limit=1_000_000)
    return [n.topic for n in notes if "Placement" in n.topic]


# Two children: A moved from in-house foster care to a private children's home and is still
# there; B was in kinship care and went home.
FIRST = [
    episode("A100", date(2024, 5, 1), end=date(2024, 9, 1), rec="X1", place="U4",
            provider="PR1", home="DT1 1AB", placement="DT2 9PS", urn="XXXXXXX"),
    episode("A100", date(2024, 9, 1), rne="P", place="K2", provider="PR4", rpc="CARPL",
            home="DT1 1AB", placement="TN23 1AA", urn="SC123456"),
    episode("B200", date(2025, 1, 10), end=date(2025, 6, 30), rec="E13", place="U1",
            provider="PR1", home="BH15 2RT", placement="BH15 3QQ", urn="XXXXXXX"),
]
HEADERS = [header("A100", date(2012, 3, 4), sex="1"),
           header("B200", date(2016, 11, 30), sex="2", UASC="1")]


def test_rows_become_placements_with_the_right_episodes(svc, tmp_path):
    report = run(svc, tmp_path, FIRST, HEADERS)
    assert report.ok and (report.rows, report.accepted, report.rejected) == (3, 3, 0)
    assert (report.children, report.children_changed) == (2, 2)
    a = placement(svc, "A100")
    assert (a.birth_month, a.sex, a.uasc) == ("2012-03", "1", False)
    first, second = a.episodes
    assert (first["start"], first["end"], first["rec"], first["place"]) == (
        date(2024, 5, 1), date(2024, 9, 1), "X1", "U4")
    assert first["contract_route"] == "in_house" and first["urn"] is None
    assert (second["place"], second["place_provider"], second["end"]) == ("K2", "PR4", None)
    assert second["contract_route"] is None and second["urn"] == "SC123456"
    assert (second["home_postcode"], second["placement_postcode"]) == ("DT1 1", "TN23 1")
    assert second["reason_place_change"] == "CARPL" and a.is_open
    b = placement(svc, "B200")
    assert (b.birth_month, b.sex, b.uasc) == ("2016-11", "2", True)
    assert [(e["place"], e["rec"]) for e in b.episodes] == [("U1", "E13")]

    svc.projections.catch_up()
    with svc.engine.connect() as c:
        rows = c.execute(sa.select(placement_episodes.c.place, placement_episodes.c.home_district)
                         .order_by(placement_episodes.c.start)).all()
        record = c.execute(sa.select(data_imports)).mappings().one()
    assert rows == [("U4", "DT1"), ("K2", "DT1"), ("U1", "BH15")]
    assert (record["kind"], record["file_name"], record["rows"], record["accepted"],
            record["rejected"], record["children_changed"]) == ("ssda903", "e.csv", 3, 3, 0, 2)
    assert record["file_sha256"] == report.file_sha256 and len(report.file_sha256) == 64
    assert record["header_sha256"] == report.header_sha256
    imported = svc.portal.repository.get(record["id"])
    assert isinstance(imported, DataImport) and imported.authority_id == authority(svc).id


def test_the_raw_child_id_date_of_birth_and_postcode_are_never_stored(svc, tmp_path):
    report = run(svc, tmp_path, FIRST, HEADERS)
    svc.projections.catch_up()
    stored = b""
    with svc.engine.connect() as connection:  # every table: the events' and the read models'
        for table in sa.inspect(connection).get_table_names():
            assert table.isidentifier()
            for row in connection.execute(sa.text(f'SELECT * FROM "{table}"')):
                stored += repr(tuple(row)).encode()
    assert len(stored) > 10_000
    for secret in (b"A100", b"B200", b"04/03/2012", b"2012-03-04", b"DT1 1AB", b"TN23 1AA",
                   b"BH15 2RT"):
        assert secret not in stored
    assert "A100" not in repr(report.to_dict())


def test_the_same_file_again_changes_nothing(svc, tmp_path):
    run(svc, tmp_path, FIRST, HEADERS)
    svc.projections.catch_up()
    before = placement_events(svc)
    again = run(svc, tmp_path, FIRST, HEADERS)
    assert again.ok and again.accepted == 3 and again.children_changed == 0
    assert placement_events(svc) == before
    svc.projections.catch_up()
    with svc.engine.connect() as c:
        changed = c.execute(sa.select(data_imports.c.children_changed)
                            .order_by(data_imports.c.imported_at)).scalars().all()
    assert changed == [2, 0]


def test_a_later_file_updates_exactly_the_child_that_changed(svc, tmp_path):
    run(svc, tmp_path, FIRST, HEADERS)
    svc.projections.catch_up()
    before = placement_events(svc)
    later = [dict(row) for row in FIRST]
    later[1].update(DEC="01/02/2026", REC="E4A")  # A went home
    report = run(svc, tmp_path, later, HEADERS)
    assert report.children_changed == 1
    assert len(placement_events(svc)) == len(before) + 1
    a = placement(svc, "A100")
    assert (a.episodes[-1]["end"], a.episodes[-1]["rec"]) == (date(2026, 2, 1), "E4A")
    assert not a.is_open
    last_event = svc.portal.recorder.select_events(a.id)[-1]
    assert "SSDA903 import " + report.file_sha256[:12] in last_event.state.decode()


def test_a_later_file_without_a_header_updates_children_the_portal_holds(svc, tmp_path):
    run(svc, tmp_path, FIRST, HEADERS)
    later = [dict(row) for row in FIRST] + [episode("C300", date(2025, 3, 1))]
    later[1].update(DEC="01/02/2026", REC="E4A")
    report = run(svc, tmp_path, later)  # no header file: read model not caught up either
    assert report.children_changed == 1
    assert [(p.line, p.column) for p in report.problems] == [(5, "CHILD")]
    assert "new to the portal: import the header file too" in report.problems[0].reason
    assert placement(svc, "A100").episodes[-1]["rec"] == "E4A"


def test_what_ssda903_lacks_is_kept_from_the_portals_own_episode(svc, tmp_path):
    ref = svc.child_refs.reference(DORSET, "A100")
    svc.portal.start_placement(SYSTEM, authority_id=authority(svc).id, child_ref=ref,
                               birth_month="2012-03", sex="1", uasc=False, on=date(2024, 5, 1),
                               terms=dict(legal_status="C2", place="U4", place_provider="PR4",
                                          weekly_cost=900, contract_route="spot"))
    svc.projections.catch_up()
    report = run(svc, tmp_path, FIRST[:2], HEADERS[:1])
    assert report.children_changed == 1
    first, second = placement(svc, "A100").episodes
    assert (first["weekly_cost"], first["contract_route"]) == (900, "in_house")  # PR1 now
    assert second["weekly_cost"] is None


def test_one_childs_broken_history_rejects_only_that_childs_rows(svc, tmp_path):
    rows = [
        *FIRST,
        # X1 says a new episode starts the same day, but the next starts a month later.
        episode("D400", date(2024, 1, 1), end=date(2024, 2, 1), rec="X1"),
        episode("D400", date(2024, 3, 1), rne="P", place="K2", provider="PR4"),
    ]
    report = run(svc, tmp_path, rows, [*HEADERS, header("D400", date(2010, 1, 1))])
    assert report.accepted == 3 and report.rejected == 2 and report.children_changed == 2
    assert [p.line for p in report.problems] == [5, 6]
    assert all("episodes were not imported: An episode ended with X1 must be followed"
               in p.reason for p in report.problems)
    assert report.problems[0].column == "DECOM"


def test_an_officer_imports_only_into_their_own_authority(svc, tmp_path):
    kent_officer = Actor(user_id=uuid4(), organisation_id=authority(svc, KENT).id)
    with pytest.raises(PermissionDenied):
        run(svc, tmp_path, FIRST, HEADERS, la=DORSET, actor=kent_officer)
    assert placement_events(svc) == []
    report = run(svc, tmp_path, FIRST, HEADERS, la=KENT, actor=kent_officer)
    assert report.children_changed == 2
    # The same council id is a different child reference in another authority.
    assert svc.child_refs.reference(KENT, "A100") != svc.child_refs.reference(DORSET, "A100")
    svc.projections.catch_up()
    with svc.engine.connect() as c:
        owners = set(c.execute(sa.select(placement_children.c.authority_id)).scalars())
    assert owners == {authority(svc, KENT).id}


def test_a_crash_part_way_leaves_whole_children_and_running_again_finishes(
        svc, tmp_path, monkeypatch):
    rows = [episode(f"K{n:03d}", date(2024, 1, 1 + n)) for n in range(7)]
    headers = [header(f"K{n:03d}", date(2012, 1, 1)) for n in range(7)]
    monkeypatch.setattr(apply_module, "CHUNK", 3)
    saves = {"count": 0}
    real_save = svc.portal.save

    def crash_on_second_chunk(*aggregates, **kwargs):
        saves["count"] += 1
        if saves["count"] == 2:
            raise RuntimeError("the process died")
        return real_save(*aggregates, **kwargs)

    monkeypatch.setattr(svc.portal, "save", crash_on_second_chunk)
    with pytest.raises(RuntimeError):
        run(svc, tmp_path, rows, headers)
    assert len(placement_events(svc)) == 3  # the first chunk, whole
    assert not any("DataImport" in n.topic for n in svc.portal.recorder.select_notifications(
        start=1, limit=1000))
    monkeypatch.setattr(svc.portal, "save", real_save)
    report = run(svc, tmp_path, rows, headers)
    assert report.ok and report.children_changed == 4
    assert len(placement_events(svc)) == 7


def test_a_later_header_file_corrects_the_childs_details(svc, tmp_path):
    run(svc, tmp_path, FIRST, HEADERS)
    before = placement_events(svc)
    corrected = [header("A100", date(2012, 2, 4), sex="1"), HEADERS[1]]
    report = run(svc, tmp_path, FIRST, corrected)
    assert report.children_changed == 1
    new = placement_events(svc)[len(before):]
    assert len(new) == 1 and new[0].endswith("Placement.Corrected")
    assert placement(svc, "A100").birth_month == "2012-02"
