"""Out-of-area placements and the host authorities' notifications (see
:mod:`domain.out_of_area` for the regulations behind them).

Two tables, kept apart on purpose:

- ``out_of_area_placements``: one row per move of a child into another authority's area, with
  the approval; child-level (it holds the child's reference), read only by the placing
  authority (:func:`projections.out_of_area_queries.placing_records`).
- ``host_notices``: what the host authority is told, one row per notice (the start, or the
  consultation for a placement at a distance, and the end) with its deadline. It holds no child
  reference and no birth month: only the child's age at the start (shown as an age band), the
  setting, the start and end dates and who sent it. The host reads only rows sent to it
  (:func:`projections.out_of_area_queries.host_notices_for`).

Row ids derive from the record's id, so a rebuild writes the same rows.
"""

from __future__ import annotations

from uuid import UUID, uuid5

import sqlalchemy as sa

from domain.out_of_area import OutOfAreaPlacement, end_notice_due, notice_due
from projections.base import Projection, handles
from projections.database import metadata

START, END = "start", "end"

out_of_area_placements = sa.Table(
    "out_of_area_placements",
    metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("placement_ref", sa.Uuid, nullable=False),
    sa.Column("child_ref", sa.String(13), nullable=False),
    sa.Column("placing_authority_id", sa.Uuid, nullable=False, index=True),
    sa.Column("host_authority_id", sa.Uuid, nullable=False),
    sa.Column("at_distance", sa.Boolean, nullable=False),
    sa.Column("urgency", sa.String(9), nullable=False),
    sa.Column("start", sa.Date, nullable=False),
    sa.Column("end", sa.Date),
    sa.Column("place", sa.String(4), nullable=False),
    sa.Column("setting_id", sa.Uuid),
    sa.Column("approver_name", sa.String(120)),
    sa.Column("approver_role", sa.String(20)),
    sa.Column("approved_on", sa.Date),
    sa.Column("approval_reason", sa.String(1000)),
    sa.Column("recorded_by", sa.Uuid),
)

host_notices = sa.Table(
    "host_notices",
    metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("record_id", sa.Uuid, nullable=False, index=True),
    sa.Column("host_authority_id", sa.Uuid, nullable=False, index=True),
    sa.Column("placing_authority_id", sa.Uuid, nullable=False, index=True),
    sa.Column("notice", sa.String(12), nullable=False),  # start | end
    sa.Column("consultation", sa.Boolean, nullable=False),
    sa.Column("urgency", sa.String(9), nullable=False),
    sa.Column("age", sa.Integer, nullable=False),
    sa.Column("place", sa.String(4), nullable=False),
    sa.Column("setting_id", sa.Uuid),
    sa.Column("start", sa.Date, nullable=False),
    sa.Column("end", sa.Date),
    sa.Column("due", sa.Date, nullable=False),
    sa.Column("sent_at", sa.DateTime(timezone=True)),
    sa.Column("sent_by", sa.Uuid),
)


def host_notice_id(record_id: UUID, notice: str) -> UUID:
    return uuid5(record_id, f"host-notice:{notice}")


def _approval_columns(approval: dict | None) -> dict:
    approval = approval or {}
    return {"approver_name": approval.get("approver_name"),
            "approver_role": approval.get("approver_role"),
            "approved_on": approval.get("approved_on"),
            "approval_reason": approval.get("reason")}


class OutOfArea(Projection):
    name = "out_of_area"
    tables = (out_of_area_placements, host_notices)

    @handles(OutOfAreaPlacement.Opened)
    def opened(self, c: sa.Connection, e) -> None:
        c.execute(out_of_area_placements.insert().values(
            id=e.originator_id, placement_ref=e.placement_ref, child_ref=e.child_ref,
            placing_authority_id=e.placing_authority_id, host_authority_id=e.host_authority_id,
            at_distance=e.at_distance, urgency=e.urgency, start=e.start, place=e.place,
            setting_id=e.setting_id, recorded_by=e.actor.user_id,
            **_approval_columns(e.approval)))
        notified = e.host_notified_at
        c.execute(host_notices.insert().values(
            id=host_notice_id(e.originator_id, START), record_id=e.originator_id,
            host_authority_id=e.host_authority_id, placing_authority_id=e.placing_authority_id,
            notice=START, consultation=e.at_distance, urgency=e.urgency, age=e.age,
            place=e.place, setting_id=e.setting_id, start=e.start,
            due=notice_due(e.urgency, e.start), sent_at=notified,
            sent_by=e.actor.user_id if notified is not None else None))

    @handles(OutOfAreaPlacement.Approved)
    def approved(self, c: sa.Connection, e) -> None:
        c.execute(out_of_area_placements.update()
                  .where(out_of_area_placements.c.id == e.originator_id)
                  .values(**_approval_columns(e.approval)))

    @handles(OutOfAreaPlacement.HostNotified)
    def host_notified(self, c: sa.Connection, e) -> None:
        c.execute(host_notices.update()
                  .where(host_notices.c.id == host_notice_id(e.originator_id, START))
                  .values(sent_at=e.notified_at, sent_by=e.actor.user_id))

    @handles(OutOfAreaPlacement.Closed)
    def closed(self, c: sa.Connection, e) -> None:
        t = out_of_area_placements
        c.execute(t.update().where(t.c.id == e.originator_id).values(end=e.end))
        start = c.execute(sa.select(host_notices).where(
            host_notices.c.id == host_notice_id(e.originator_id, START))).mappings().one()
        c.execute(host_notices.update().where(host_notices.c.record_id == e.originator_id)
                  .values(end=e.end))
        c.execute(host_notices.insert().values(
            {**start, "id": host_notice_id(e.originator_id, END), "notice": END,
             "consultation": False, "end": e.end, "due": end_notice_due(e.end),
             "sent_at": e.notified_at, "sent_by": e.actor.user_id}))
