"""Reading out-of-area placements: the placing authority's records (child-level, its own only)
and the notices a host authority was sent (no child reference, its own only)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from uuid import UUID

import sqlalchemy as sa

from domain import ssda903
from domain.out_of_area import APPROVER_ROLES, URGENCIES
from domain.permissions import check
from domain.timezone import LONDON
from projections.directory import accounts, organisations, settings
from projections.out_of_area import START, host_notices, out_of_area_placements
from projections.placements import placement_children, placement_episodes
from projections.referral_queries import age_band
from projections.tender_queries import aware

NOT_RECORDED = "Not recorded"


def notice_status(due: date, sent_at: datetime | None, today: date) -> str:
    """``sent``, ``sent late``, ``overdue`` (not sent, deadline passed) or ``due``."""
    if sent_at is not None:
        return "sent late" if aware(sent_at).astimezone(LONDON).date() > due else "sent"
    return "overdue" if today > due else "due"


def notice_title(row) -> str:
    if row["notice"] == START:
        return "Consultation on a placement at a distance" if row["consultation"] \
            else "Notification of a placement"
    return "Notification that a placement ended"


def _contacts(c: sa.Connection, user_ids: set[UUID]) -> dict[UUID, Any]:
    if not user_ids:
        return {}
    return {row.id: row for row in c.execute(sa.select(
        accounts.c.id, accounts.c.display_name, accounts.c.email).where(
        accounts.c.id.in_(list(user_ids))))}


def host_notices_for(viewer, c: sa.Connection, *, today: date) -> list[dict[str, Any]]:
    """The notices sent to the viewer's authority as host, newest first: what the host needs
    (age band, setting, dates, the placing authority and its contact) and never the child's
    reference."""
    check(viewer, "out_of_area.host_view")
    n, placing = host_notices, organisations.alias("placing")
    query = (sa.select(n, placing.c.name.label("placing_name"),
                       settings.c.name.label("setting_name"),
                       settings.c.postcode_district.label("setting_district"))
             .select_from(n.join(placing, placing.c.id == n.c.placing_authority_id)
                          .outerjoin(settings, settings.c.id == n.c.setting_id))
             .where(n.c.host_authority_id == viewer.organisation_id, n.c.sent_at.is_not(None))
             .order_by(n.c.sent_at.desc(), n.c.id))
    rows = c.execute(query).mappings().all()
    contacts = _contacts(c, {row["sent_by"] for row in rows if row["sent_by"]})
    found = []
    for row in rows:
        contact = contacts.get(row["sent_by"])
        found.append({
            "id": row["id"], "title": notice_title(row), "notice": row["notice"],
            "urgency": URGENCIES[row["urgency"]], "age_band": age_band(row["age"]),
            "setting_type": ssda903.label(ssda903.PLACEMENT_TYPES, row["place"]),
            "setting_name": row["setting_name"] or "Not in the directory",
            "setting_district": row["setting_district"], "start": row["start"],
            "end": row["end"], "due": row["due"], "sent_at": aware(row["sent_at"]),
            "status": notice_status(row["due"], row["sent_at"], today),
            "placing_name": row["placing_name"],
            "contact_name": contact.display_name if contact else None,
            "contact_email": contact.email if contact else None})
    return found


def placing_records(viewer, c: sa.Connection, *, today: date) -> list[dict[str, Any]]:
    """The viewer's authority's out-of-area placements, open ones first, each with its approval
    (or that it is missing) and its notices' deadlines and status."""
    check(viewer, "placements.view")
    t, host = out_of_area_placements, organisations.alias("host")
    rows = c.execute(
        sa.select(t, host.c.name.label("host_name"), settings.c.name.label("setting_name"))
        .select_from(t.join(host, host.c.id == t.c.host_authority_id)
                     .outerjoin(settings, settings.c.id == t.c.setting_id))
        .where(t.c.placing_authority_id == viewer.organisation_id)
        .order_by(t.c.end.is_not(None), t.c.start.desc(), t.c.child_ref)).mappings().all()
    notices: dict[UUID, list[dict]] = {}
    if rows:
        for n in c.execute(sa.select(host_notices).where(
                host_notices.c.placing_authority_id == viewer.organisation_id)
                .order_by(host_notices.c.notice.desc())).mappings():
            notices.setdefault(n["record_id"], []).append({
                **n, "title": notice_title(n), "sent_at": aware(n["sent_at"]),
                "status": notice_status(n["due"], n["sent_at"], today)})
    found = []
    for row in rows:
        approval = None if row["approver_name"] is None else {
            "name": row["approver_name"], "role": APPROVER_ROLES[row["approver_role"]],
            "on": row["approved_on"], "reason": row["approval_reason"]}
        record_notices = notices.get(row["id"], [])
        found.append({
            **row, "approval": approval, "urgency_label": URGENCIES[row["urgency"]],
            "setting_type": ssda903.label(ssda903.PLACEMENT_TYPES, row["place"]),
            "notices": record_notices,
            "overdue": any(n["status"] == "overdue" for n in record_notices),
            "can_notify": any(n["notice"] == START and n["sent_at"] is None
                              for n in record_notices)})
    return found


def unrecorded_out_of_area(viewer, c: sa.Connection) -> list[dict[str, Any]]:
    """The viewer's authority's children placed out of area now whose move the portal holds no
    approval for: imported (SSDA903 returns are history) or recorded before these rules."""
    check(viewer, "placements.view")
    own = viewer.organisation_id
    ch, ep, t = placement_children, placement_episodes, out_of_area_placements
    area = organisations.alias("area")
    recorded = sa.select(t.c.placement_ref).where(t.c.placing_authority_id == own,
                                                  t.c.end.is_(None))
    query = (sa.select(ch.c.child_ref, ep.c.start, ep.c.place, area.c.name.label("host_name"))
             .select_from(ch.join(ep, sa.and_(ep.c.placement_id == ch.c.id,
                                              ep.c.number == ch.c.episodes))
                          .join(area, area.c.id == ep.c.placement_authority_id))
             .where(ch.c.authority_id == own, ep.c.end.is_(None),
                    ep.c.placement_authority_id != own, ch.c.id.not_in(recorded))
             .order_by(ep.c.start.desc(), ch.c.child_ref))
    return [{**row, "approval": NOT_RECORDED,
             "setting_type": ssda903.label(ssda903.PLACEMENT_TYPES, row["place"])}
            for row in c.execute(query).mappings()]


def approvals_of_child(viewer, c: sa.Connection, child_ref: str) -> list[dict[str, Any]]:
    """The viewer's authority's out-of-area records of one child, oldest first."""
    check(viewer, "placements.view")
    t = out_of_area_placements
    return [dict(row) for row in c.execute(sa.select(t).where(
        t.c.placing_authority_id == viewer.organisation_id, t.c.child_ref == child_ref)
        .order_by(t.c.start)).mappings()]


def approval_label(records: list[dict[str, Any]], episode: dict[str, Any]) -> str | None:
    """How an episode's out-of-area approval reads: None for an episode in the area (or
    where the area is not known); "Not recorded" when the portal holds no record of the move
    (an import's history)."""
    if episode.get("area") != "out":
        return None
    for record in records:
        if record["host_authority_id"] == episode["placement_authority_id"] \
                and record["start"] <= episode["start"] \
                and (record["end"] is None or episode["start"] < record["end"]):
            if record["approver_name"] is None:
                return "Missing: record it on the Out of area page"
            role = APPROVER_ROLES[record["approver_role"]]
            return f"{role}: {record['approver_name']}, {record['approved_on']:%d/%m/%Y}"
    return NOT_RECORDED
