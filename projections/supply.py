"""Supply read models: each authority's own (in-house) settings with every step of their
registration pipeline, and its places in development.

``in_house_settings`` holds the settings of each authority's in-house provider (the directory's
``settings`` holds them too, as every provider's); ``in_house_stages`` every step, dated, so a
dashboard on any date counts a council home as capacity only once it was registered by then.
``developments`` holds each scheme of new places as it stands now, and
``development_states`` every state it has been in with the day it began (the day recorded or
changed, opened or dropped), so a view of a past date counts the schemes as they stood then.
"""

from __future__ import annotations

from datetime import date
from uuid import UUID, uuid5
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from eventsourcing.utils import get_topic

from domain.development import Development
from domain.organisation import Provider
from projections.base import BufferedRows, Projection, handles
from projections.database import metadata

in_house_providers = sa.Table(
    "in_house_providers",
    metadata,
    sa.Column("provider_id", sa.Uuid, primary_key=True),
    sa.Column("authority_id", sa.Uuid, nullable=False, unique=True),
)

in_house_settings = sa.Table(
    "in_house_settings",
    metadata,
    sa.Column("setting_id", sa.Uuid, primary_key=True),
    sa.Column("provider_id", sa.Uuid, nullable=False),
    sa.Column("authority_id", sa.Uuid, nullable=False, index=True),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("setting_type", sa.String(40), nullable=False),
    sa.Column("postcode_district", sa.String(4), nullable=False),
    sa.Column("places", sa.Integer, nullable=False),
)

in_house_stages = sa.Table(
    "in_house_stages",
    metadata,
    sa.Column("setting_id", sa.Uuid, primary_key=True),
    sa.Column("step", sa.Integer, primary_key=True),
    sa.Column("stage", sa.String(16), nullable=False),
    sa.Column("on", sa.Date, nullable=False),
    sa.Column("reason", sa.Text),
)

developments = sa.Table(
    "developments",
    metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("authority_id", sa.Uuid, nullable=False, index=True),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("development_type", sa.String(40), nullable=False),
    sa.Column("setting_type", sa.String(40), nullable=False),
    sa.Column("places", sa.Integer, nullable=False),
    sa.Column("expected_opening", sa.Date, nullable=False),
    sa.Column("confidence", sa.String(8), nullable=False),
    sa.Column("tender_id", sa.Uuid),
    sa.Column("contract_id", sa.Uuid),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("status_on", sa.Date),
    sa.Column("changes", sa.Integer, nullable=False),  # how many times it has been changed
)

# What the capacity gap reads of a scheme on a date: its state from ``on`` (the day its event
# took effect) until the next state's.
STATE_COLUMNS = ("authority_id", "setting_type", "places", "expected_opening", "status")
development_states = sa.Table(
    "development_states",
    metadata,
    sa.Column("id", sa.Uuid, primary_key=True),  # the scheme and its version
    sa.Column("development_id", sa.Uuid, nullable=False, index=True),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("on", sa.Date, nullable=False),
    sa.Column("authority_id", sa.Uuid, nullable=False, index=True),
    sa.Column("setting_type", sa.String(40), nullable=False),
    sa.Column("places", sa.Integer, nullable=False),
    sa.Column("expected_opening", sa.Date, nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
)
LONDON = ZoneInfo("Europe/London")
RECORDED = get_topic(Development.Recorded)
PROVIDER_TOPICS = frozenset(get_topic(event) for event in (
    Provider.RunByAuthority, Provider.SettingAdded))
SCHEME_TOPICS = frozenset(get_topic(event) for event in (
    Development.Recorded, Development.Changed, Development.Opened, Development.Dropped))


def _day(e, recorded: date | None) -> date:
    """The day an event took effect: the one it records, else (events stored before they
    recorded it) the day it was stored, in UK time."""
    return recorded or e.timestamp.astimezone(LONDON).date()


class Supply(Projection):
    name = "supply"
    tables = (in_house_providers, in_house_settings, in_house_stages, developments,
              development_states)

    def __init__(self) -> None:
        self.providers = BufferedRows(in_house_providers, key="provider_id")
        self.homes = BufferedRows(in_house_settings, key="setting_id")
        self.schemes = BufferedRows(developments)
        self.states = BufferedRows(development_states)
        self.steps: dict[UUID, int] = {}  # each setting's steps so far, stored and new
        self.new_steps: list[dict] = []

    def prepare(self, connection: sa.Connection, notifications) -> None:
        ours = [n for n in notifications if n.topic in SCHEME_TOPICS]
        self.schemes.absent(n.originator_id for n in ours if n.topic == RECORDED)
        self.schemes.load(connection, [n.originator_id for n in ours])
        self.states.absent(_state_id(n.originator_id, n.originator_version) for n in ours)
        # Every provider's settings pass through here: whether it is an authority's own is
        # read once a batch, not once an event.
        self.providers.load(connection, [n.originator_id for n in notifications
                                         if n.topic in PROVIDER_TOPICS])

    def begin_batch(self, connection: sa.Connection) -> None:
        self.steps, self.new_steps = {}, []

    def discard_batch(self) -> None:
        super().discard_batch()
        self.steps, self.new_steps = {}, []

    def end_batch(self, connection: sa.Connection) -> None:
        for rows in (self.providers, self.homes, self.schemes, self.states):
            rows.flush(connection)
        if self.new_steps:
            connection.execute(in_house_stages.insert(), self.new_steps)
        self.steps, self.new_steps = {}, []

    def _state(self, e, on: date) -> None:
        row = self.schemes.get(e.originator_id)
        self.states.put({"id": _state_id(e.originator_id, e.originator_version),
                         "development_id": e.originator_id, "version": e.originator_version,
                         "on": on, **{k: row[k] for k in STATE_COLUMNS}})

    @handles(Provider.RunByAuthority)
    def run_by(self, c: sa.Connection, e) -> None:
        self.providers.absent([e.originator_id])
        self.providers.put({"provider_id": e.originator_id,
                            "authority_id": e.owner_authority_id})

    @handles(Provider.SettingAdded)
    def setting_added(self, c: sa.Connection, e) -> None:
        owner = self.providers.get(e.originator_id)
        if owner is None:
            return
        self.homes.absent([e.setting_id])
        self.homes.put(dict(
            setting_id=e.setting_id, provider_id=e.originator_id,
            authority_id=owner["authority_id"], name=e.name, setting_type=e.setting_type,
            postcode_district=e.postcode_district, places=e.registered_places))
        self.steps[e.setting_id] = 0

    @handles(Provider.SettingPlacesChanged)
    def places_changed(self, c: sa.Connection, e) -> None:
        self.homes.load(c, [e.setting_id])
        self.homes.update(e.setting_id, places=e.registered_places)

    @handles(Provider.SettingStageChanged)
    def stage_changed(self, c: sa.Connection, e) -> None:
        if e.setting_id not in self.steps:
            self.steps[e.setting_id] = c.execute(sa.select(sa.func.count()).where(
                in_house_stages.c.setting_id == e.setting_id)).scalar_one()
        self.steps[e.setting_id] += 1
        self.new_steps.append(dict(setting_id=e.setting_id, step=self.steps[e.setting_id],
                                   stage=e.stage, on=e.on, reason=e.reason))

    @handles(Development.Recorded)
    def development_recorded(self, c: sa.Connection, e) -> None:
        self.schemes.put(dict(
            id=e.originator_id, authority_id=e.authority_id, name=e.name,
            development_type=e.development_type, setting_type=e.setting_type, places=e.places,
            expected_opening=e.expected_opening, confidence=e.confidence,
            tender_id=e.tender_id, contract_id=e.contract_id, status="in_development",
            status_on=None, changes=0))
        self._state(e, _day(e, getattr(e, "recorded_on", None)))

    @handles(Development.Changed)
    def development_changed(self, c: sa.Connection, e) -> None:
        row = self.schemes.get(e.originator_id)
        self.schemes.update(e.originator_id, **e.changes, changes=row["changes"] + 1)
        self._state(e, _day(e, getattr(e, "on", None)))

    @handles(Development.Opened, Development.Dropped)
    def development_ended(self, c: sa.Connection, e) -> None:
        status = "opened" if isinstance(e, Development.Opened) else "dropped"
        self.schemes.update(e.originator_id, status=status, status_on=e.on)
        self._state(e, e.on)


def _state_id(development_id: UUID, version: int) -> UUID:
    return uuid5(development_id, f"state {version}")
