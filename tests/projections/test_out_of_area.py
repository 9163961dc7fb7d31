"""The out-of-area read models: the placing authority sees its records, missing approvals and
overdue notices; the host sees only the notices sent to it, never the child's reference;
the adjacency table is the shipped one plus additions; incremental equals a rebuild."""

from __future__ import annotations

from datetime import timedelta
from uuid import uuid4

import pytest

from domain.actor import Actor
from domain.permissions import Forbidden
from domain.principal import Principal
from projections.adjacency import adjacency_summary, shipped_pairs
from projections.out_of_area_queries import (
    NOT_RECORDED,
    host_notices_for,
    placing_records,
    unrecorded_out_of_area,
)
from tests.application.out_of_area_world import (
    NOW,
    START,
    SYSTEM,
    TODAY,
    approval,
    director,
    region,
    start,
)
from tests.projections.scenario import dump

TABLES = ("out_of_area_placements", "host_notices", "authority_adjacency")


def principal(organisation, kind="authority", roles=("council_officer",), user_id=None):
    return Principal(user_id=user_id or uuid4(), email="", display_name="",
                     organisation_id=organisation, organisation_kind=kind,
                     organisation_name="", roles=frozenset(roles))


def history(portal) -> dict:
    """Dorset places three children out of area (planned in Devon; an emergency in Kent, not
    yet approved nor notified; an emergency in Devon, notified, then ended), and one child
    the system recorded (as history) in Kent."""
    ids = region(portal)
    contact, _ = portal.invite_account(
        SYSTEM, email="sam.officer@dorset.example", display_name="Sam Officer",
        organisation_id=ids["Dorset"], roles=["council_officer"],
        expires_at=NOW + timedelta(days=7))
    ids["contact"] = contact
    dorset = Actor(user_id=contact, organisation_id=ids["Dorset"])
    start(portal, ids, dorset, "Devon", ref="CAAAAAAAAAAA1", urgency="planned",
          approval=approval())
    start(portal, ids, dorset, "Kent", ref="CAAAAAAAAAAA2", urgency="emergency",
          on=TODAY - timedelta(days=10))
    start(portal, ids, dorset, "Devon", ref="CAAAAAAAAAAA3", urgency="emergency",
          on=TODAY - timedelta(days=2), approval=approval(on=TODAY))
    from domain.out_of_area import record_id
    from domain.placement import placement_id

    third = record_id(placement_id(ids["Dorset"], "CAAAAAAAAAAA3"), TODAY - timedelta(days=2))
    portal.notify_host_authority(dorset, third, now=NOW)
    portal.end_placement(dorset, ids["Dorset"], "CAAAAAAAAAAA3", on=TODAY, rec="E13",
                         today=TODAY, now=NOW)
    start(portal, ids, SYSTEM, "Kent", ref="CAAAAAAAAAAA4")
    return ids


def test_the_placing_authority_sees_missing_approvals_and_overdue_notices(services):
    ids = history(services.portal)
    services.projections.catch_up()
    with services.engine.connect() as c:
        records = {r["child_ref"]: r for r in placing_records(
            principal(ids["Dorset"]), c, today=TODAY)}
        unrecorded = unrecorded_out_of_area(principal(ids["Dorset"]), c)
    assert set(records) == {"CAAAAAAAAAAA1", "CAAAAAAAAAAA2", "CAAAAAAAAAAA3"}
    planned = records["CAAAAAAAAAAA1"]
    assert planned["approval"]["role"] == "Nominated officer" and not planned["at_distance"]
    assert [(n["title"], n["status"]) for n in planned["notices"]] == [
        ("Notification of a placement", "sent late")]  # recorded a day after its start
    kent = records["CAAAAAAAAAAA2"]
    assert kent["approval"] is None and kent["at_distance"] and kent["can_notify"]
    # Ten days after an emergency start: past its five working days, not sent.
    assert [(n["title"], n["status"]) for n in kent["notices"]] == [
        ("Consultation on a placement at a distance", "overdue")]
    assert kent["overdue"]
    ended = records["CAAAAAAAAAAA3"]
    assert ended["end"] == TODAY and not ended["can_notify"]
    assert sorted((n["notice"], n["status"]) for n in ended["notices"]) == [
        ("end", "sent"), ("start", "sent")]
    # The system's record of a child in Kent: history, approval not recorded.
    assert [(u["child_ref"], u["host_name"], u["approval"]) for u in unrecorded] == [
        ("CAAAAAAAAAAA4", "Kent", NOT_RECORDED)]


def test_each_episode_out_of_area_reads_its_approval(services):
    from projections.out_of_area_queries import approval_label, approvals_of_child
    from projections.placement_queries import child_timeline

    ids = history(services.portal)
    services.projections.catch_up()
    dorset = principal(ids["Dorset"])
    labels = {}
    with services.engine.connect() as c:
        for ref in ("CAAAAAAAAAAA1", "CAAAAAAAAAAA2", "CAAAAAAAAAAA4"):
            records = approvals_of_child(dorset, c, ref)
            labels[ref] = [approval_label(records, e)
                           for e in child_timeline(dorset, c, ref)["episodes"]]
        assert approvals_of_child(principal(ids["Kent"]), c, "CAAAAAAAAAAA1") == []
    assert labels == {
        "CAAAAAAAAAAA1": [f"Nominated officer: Sam Patel, {START:%d/%m/%Y}"],
        "CAAAAAAAAAAA2": ["Missing: record it on the Out of area page"],
        "CAAAAAAAAAAA4": [NOT_RECORDED]}


def test_the_host_sees_only_notices_sent_to_it_and_never_the_child(services):
    ids = history(services.portal)
    services.projections.catch_up()
    with services.engine.connect() as c:
        devon = host_notices_for(principal(ids["Devon"]), c, today=TODAY)
        kent = host_notices_for(principal(ids["Kent"]), c, today=TODAY)
        dorset = host_notices_for(principal(ids["Dorset"]), c, today=TODAY)
        with pytest.raises(Forbidden):
            host_notices_for(principal(ids["provider"], "provider", ("provider_user",)), c,
                             today=TODAY)
    assert kent == [] and dorset == []  # Kent's consultation is not sent yet
    assert sorted((n["title"], n["age_band"], n["setting_name"], n["placing_name"],
                   n["contact_name"], n["contact_email"]) for n in devon) == [
        ("Notification of a placement", "10 to 15", "Devon House", "Dorset",
         "Sam Officer", "sam.officer@dorset.example"),
        ("Notification of a placement", "10 to 15", "Devon House", "Dorset",
         "Sam Officer", "sam.officer@dorset.example"),
        ("Notification that a placement ended", "10 to 15", "Devon House", "Dorset",
         "Sam Officer", "sam.officer@dorset.example")]
    assert {n["due"] for n in devon} >= {START}
    text = repr(devon)
    assert "CAAAAAAAAAAA" not in text and "2012-05" not in text


def test_a_notice_sent_later_reaches_the_host(services):
    ids = history(services.portal)
    services.projections.catch_up()
    with services.engine.connect() as c:
        record = next(r for r in placing_records(principal(ids["Dorset"]), c, today=TODAY)
                      if r["child_ref"] == "CAAAAAAAAAAA2")
    dorset = Actor(user_id=ids["contact"], organisation_id=ids["Dorset"])
    services.portal.approve_out_of_area_placement(dorset, record["id"],
                                                  approval=director(on=TODAY), today=TODAY)
    services.projections.wait_for(services.portal.notify_host_authority(
        dorset, record["id"], now=NOW))
    with services.engine.connect() as c:
        kent = host_notices_for(principal(ids["Kent"]), c, today=TODAY)
        record = next(r for r in placing_records(principal(ids["Dorset"]), c, today=TODAY)
                      if r["child_ref"] == "CAAAAAAAAAAA2")
    assert [(n["title"], n["status"]) for n in kent] == [
        ("Consultation on a placement at a distance", "sent late")]
    assert record["approval"]["role"] == "Director of children's services"
    assert not record["overdue"] and not record["can_notify"]


def test_the_adjacency_table_is_the_shipped_one_plus_additions(services):
    admin_org, _ = services.portal.register_platform_organisation(SYSTEM, name="Platform")
    services.portal.add_adjoining_authorities(
        Actor(uuid4(), admin_org), pairs=[("E06000046", "E06000044")], reason="Agreed")
    services.projections.catch_up()
    admin = principal(admin_org, "platform", ("platform_admin",))
    with services.engine.connect() as c:
        summary = adjacency_summary(admin, c)
        with pytest.raises(Forbidden):
            adjacency_summary(principal(uuid4()), c)
    assert summary["shipped"] == len(shipped_pairs()) and summary["added"] == 1
    first = summary["pairs"][0]
    assert (first["name"], first["adjoining_name"], first["reason"]) == (
        "Portsmouth", "Isle of Wight", "Agreed")


def test_incremental_equals_a_rebuild(services, monkeypatch):
    from projections import runner

    monkeypatch.setattr(runner, "BATCH_SIZE", 3)
    ids = history(services.portal)
    services.portal.add_adjoining_authorities(SYSTEM, pairs=[("E06000059", "E10000016")],
                                              reason="A test")
    dorset = Actor(user_id=ids["contact"], organisation_id=ids["Dorset"])
    start(services.portal, ids, dorset, "Kent", ref="CAAAAAAAAAAA5", urgency="planned",
          approval=approval())
    services.projections.catch_up()
    incremental = dump(services.engine, names=TABLES)
    assert len(incremental["host_notices"]) == 5  # four starts, one end
    assert services.projections.rebuild() > 0
    assert dump(services.engine, names=TABLES) == incremental


def test_the_audit_index_says_what_happened_in_plain_sentences(services):
    import sqlalchemy as sa

    from projections.audit.index import audit_events

    history(services.portal)
    services.portal.add_adjoining_authorities(SYSTEM, pairs=[("E06000059", "E10000016")],
                                              reason="A test")
    services.projections.catch_up()
    with services.engine.connect() as c:
        summaries = set(c.execute(sa.select(audit_events.c.summary)).scalars())
    assert "Placed child CAAAAAAAAAAA1 outside the authority's area from 03/12/2026 " \
           "(planned; approval recorded)" in summaries
    assert "Placed child CAAAAAAAAAAA2 outside the authority's area from 24/11/2026 " \
           "(an emergency, at a distance; approval to follow)" in summaries
    assert "Notified the host authority of an out-of-area placement" in summaries
    assert "Told the host authority an out-of-area placement ended on 04/12/2026" in summaries
    assert "Recorded adjoining authorities: E06000059 and E10000016" in summaries
