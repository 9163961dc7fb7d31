"""What an auditor reads: the event stream, filtered and paged, and one record's history.

Each query takes the viewer first and requires ``audit.read``. Dates are days in the UK
(Europe/London): "from 1 April" starts at midnight UK time, whatever the season.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from uuid import UUID

import sqlalchemy as sa

from domain.account import normalise_email
from domain.errors import NotFound
from domain.permissions import check
from domain.timezone import LONDON
from projections.audit.index import (
    RECORD_TYPES,
    audit_events,
    field_label,
    humanise,
    is_creation,
    split_topic,
    summarise,
)
from projections.audit.log import audit_leaves
from projections.directory import accounts, organisations, settings
from projections.paging import Page

PAGE_SIZE = 50
SYSTEM = "system"  # the actor filter's word for events the system made itself
ORGANISATION_KINDS = {"authority": "council", "provider": "provider", "platform": "platform"}
_NOT_FIELDS = frozenset({"originator_id", "originator_version", "originator_topic", "timestamp",
                         "actor", "reason"})


def day_start(day: date) -> datetime:
    """The first instant of ``day`` in the UK, in UTC."""
    return datetime.combine(day, time.min, tzinfo=LONDON).astimezone(UTC)


def in_london(moment: datetime) -> datetime:
    """A stored time in the UK (SQLite hands back UTC without its zone)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(LONDON)


@dataclass(frozen=True)
class AuditSearch:
    organisation_id: UUID | None = None
    actor_user_id: UUID | None = None
    by_system: bool = False  # only events the system made (no user)
    record_type: str | None = None
    event_type: str | None = None
    recorded_from: date | None = None  # UK days, both inclusive
    recorded_to: date | None = None
    page: int = 1
    # Only these kinds of event, as (record type, event type) pairs; empty: every kind.
    kinds: frozenset[tuple[str, str]] = frozenset()


def _conditions(search: AuditSearch) -> list:
    t = audit_events
    conditions = []
    if search.organisation_id:
        conditions.append(t.c.organisation_id == search.organisation_id)
    if search.by_system:
        conditions.append(t.c.actor_user_id.is_(None))
    elif search.actor_user_id:
        conditions.append(t.c.actor_user_id == search.actor_user_id)
    if search.record_type:
        conditions.append(t.c.record_type == search.record_type)
    if search.event_type:
        conditions.append(t.c.event_type == search.event_type)
    if search.kinds:
        conditions.append(sa.tuple_(t.c.record_type, t.c.event_type).in_(sorted(search.kinds)))
    if search.recorded_from:
        conditions.append(t.c.recorded_at >= day_start(search.recorded_from))
    if search.recorded_to and search.recorded_to < date.max:
        conditions.append(t.c.recorded_at < day_start(search.recorded_to + timedelta(days=1)))
    return conditions


def audit_events_page(viewer, connection: sa.Connection, search: AuditSearch,
                      page_size: int = PAGE_SIZE) -> Page:
    """The event history, newest first, with who did it and whose record it was."""
    check(viewer, "audit.read")
    t = audit_events
    conditions = _conditions(search)
    total = connection.execute(
        sa.select(sa.func.count()).select_from(t).where(*conditions)).scalar_one()
    number = max(1, min(search.page, max(1, -(-total // page_size))))
    actor_organisation = organisations.alias("actor_organisation")
    owner = organisations.alias("owner")
    rows = connection.execute(
        sa.select(t, accounts.c.display_name.label("actor_name"),
                  accounts.c.email.label("actor_email"),
                  actor_organisation.c.name.label("actor_organisation_name"),
                  owner.c.name.label("organisation_name"))
        .outerjoin(accounts, accounts.c.id == t.c.actor_user_id)
        .outerjoin(actor_organisation, actor_organisation.c.id == t.c.actor_organisation_id)
        .outerjoin(owner, owner.c.id == t.c.organisation_id)
        .where(*conditions)
        .order_by(t.c.position.desc())
        .limit(page_size).offset((number - 1) * page_size)
    ).mappings().all()
    return Page(rows=list(rows), total=total, number=number, size=page_size)


def organisations_to_filter(viewer, connection: sa.Connection) -> list:
    """Every organisation, councils first, then providers, then the platform's own."""
    check(viewer, "audit.read")
    order = sa.case({kind: i for i, kind in enumerate(ORGANISATION_KINDS)},
                    value=organisations.c.kind, else_=len(ORGANISATION_KINDS))
    return list(connection.execute(
        sa.select(organisations.c.id, organisations.c.name, organisations.c.kind)
        .order_by(order, organisations.c.name)).mappings().all())


class UnknownActor(ValueError):
    pass


def find_actor(viewer, connection: sa.Connection, text: str) -> UUID | str:
    """An account's user id from its email address or id, or SYSTEM."""
    check(viewer, "audit.read")
    text = text.strip()
    if text.lower() == SYSTEM:
        return SYSTEM
    if "@" in text:
        found = connection.execute(sa.select(accounts.c.id).where(
            accounts.c.email == normalise_email(text))).scalar()
        if found is None:
            raise UnknownActor("There is no account with that email address")
        return found
    try:
        return UUID(text)
    except ValueError:
        raise UnknownActor('Enter an email address, a user ID or "system"') from None


# --- one record's history, read from the event store -------------------------------------------

@dataclass(frozen=True)
class Change:
    field: str
    label: str
    new: Any
    old: Any = None
    has_old: bool = False  # False: a value the record was created with, or the event's own


@dataclass(frozen=True)
class Step:
    version: int
    position: int | None  # in the audit log (None while the index catches up)
    recorded_at: datetime  # UK time
    event_type: str
    summary: str
    actor_user_id: UUID | None
    actor_organisation_id: UUID | None
    reason: str | None
    changes: list[Change]


@dataclass
class RecordHistory:
    record_id: UUID
    record_type: str
    name: str  # e.g. "Kent", "the vacancy at Seaview House", "the account a@b.org"
    steps: list[Step]
    names: dict[UUID, str] = field(default_factory=dict)  # organisations, settings, people

    @property
    def record_type_label(self) -> str:
        return RECORD_TYPES.get(self.record_type, humanise(self.record_type))


def _fields(event: Any) -> dict[str, Any]:
    return {k: v for k, v in vars(event).items() if k not in _NOT_FIELDS}


def _changes(event: Any, state: dict[str, Any]) -> list[Change]:
    """Field by field: a new record's every field; old -> new for a ``changes`` dict (the old
    value from replaying the record's earlier events); otherwise the event's own fields."""
    fields = _fields(event)
    if is_creation(event):
        state.update(fields)
        return [Change(k, field_label(k), v) for k, v in fields.items()]
    changed = fields.pop("changes", None)
    out = [Change(k, field_label(k), v) for k, v in fields.items()]
    if isinstance(changed, dict):
        for k, v in changed.items():
            out.append(Change(k, field_label(k), v, old=state.get(k), has_old=True))
        state.update(changed)
    return out


# Fields never shown: a bid's encrypted price and answers (domain.sealing), which mean nothing
# to a reader. Its "Opened" event shows them in clear, once the bids are opened.
SEALED_FIELDS: dict[str, frozenset[str]] = {"Bid": frozenset({"sealed"})}
SEALED = "Sealed until the bids are opened"


def record_history(viewer, application, connection: sa.Connection,
                   record_id: UUID) -> RecordHistory:
    """Every event of one record, oldest first, each with the fields it changed."""
    check(viewer, "audit.read")
    stored = application.recorder.select_events(record_id)
    if not stored:
        raise NotFound("There is no such record")
    sealed = SEALED_FIELDS.get(split_topic(stored[0].topic)[0], frozenset())
    positions = dict(connection.execute(
        sa.select(audit_events.c.record_version, audit_events.c.position)
        .where(audit_events.c.record_id == record_id)).all())
    state: dict[str, Any] = {}
    steps = []
    record_type = split_topic(stored[0].topic)[0]
    for item in stored:
        event = application.mapper.to_domain_event(item)
        kind, event_type = split_topic(item.topic)
        actor = getattr(event, "actor", None)
        steps.append(Step(
            version=event.originator_version, position=positions.get(event.originator_version),
            recorded_at=in_london(event.timestamp), event_type=event_type,
            summary=summarise(kind, event_type, event),
            actor_user_id=getattr(actor, "user_id", None),
            actor_organisation_id=getattr(actor, "organisation_id", None),
            reason=getattr(event, "reason", None),
            changes=[Change(c.field, c.label, SEALED) if c.field in sealed else c
                     for c in _changes(event, state)]))
    names = _names(connection, steps)
    return RecordHistory(record_id=record_id, record_type=record_type,
                         name=_record_name(record_type, record_id, state, names), steps=steps,
                         names=names)


def _names(connection: sa.Connection, steps: list[Step]) -> dict[UUID, str]:
    """Names for every id the history mentions: organisations, settings and people."""
    ids = {s.actor_user_id for s in steps} | {s.actor_organisation_id for s in steps}
    for step in steps:
        ids |= {c.new for c in step.changes if isinstance(c.new, UUID)}
        ids |= {c.old for c in step.changes if isinstance(c.old, UUID)}
    ids.discard(None)
    if not ids:
        return {}
    names: dict[UUID, str] = {}
    for table, column in ((organisations, organisations.c.name), (settings, settings.c.name),
                          (accounts, accounts.c.display_name)):
        names.update(connection.execute(
            sa.select(table.c.id, column).where(table.c.id.in_(ids))).all())
    return names


def _record_name(record_type: str, record_id: UUID, state: dict, names: dict) -> str:
    if record_type == "Vacancy":
        setting = names.get(state.get("setting_id"))
        return f"the vacancy at {setting}" if setting else "a vacancy"
    if record_type == "Account" and state.get("email"):
        return f"the account {state['email']}"
    if state.get("name"):
        return str(state["name"])
    return f"{humanise(record_type).lower()} {record_id}"


def audit_events_after(viewer, connection: sa.Connection, *, after: int, limit: int,
                       record_type: str | None = None,
                       event_type: str | None = None) -> list[dict[str, Any]]:
    """Up to ``limit + 1`` events after notification position ``after``, oldest first (the
    API's feed): what the event history page shows of each (who did it, whose record, the
    sentence), with the event's leaf in the verifiable log (its hash, the chain value an
    auditor checks against a signed checkpoint) once the log has taken it in."""
    check(viewer, "audit.read")
    t = audit_events
    actor_organisation = organisations.alias("actor_organisation")
    owner = organisations.alias("owner")
    conditions = [t.c.position > after]
    if record_type:
        conditions.append(t.c.record_type == record_type)
    if event_type:
        conditions.append(t.c.event_type == event_type)
    rows = connection.execute(
        sa.select(t, accounts.c.display_name.label("actor_name"),
                  actor_organisation.c.name.label("actor_organisation_name"),
                  owner.c.name.label("organisation_name"), audit_leaves.c.leaf_index,
                  audit_leaves.c.leaf_hash)
        .outerjoin(accounts, accounts.c.id == t.c.actor_user_id)
        .outerjoin(actor_organisation, actor_organisation.c.id == t.c.actor_organisation_id)
        .outerjoin(owner, owner.c.id == t.c.organisation_id)
        .outerjoin(audit_leaves, audit_leaves.c.position == t.c.position)
        .where(*conditions).order_by(t.c.position).limit(limit + 1)).mappings()
    return [{**row, "leaf_hash": None if row["leaf_hash"] is None else row["leaf_hash"].hex()}
            for row in rows]
