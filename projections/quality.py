"""Quality read models: each URN of Ofsted's register the portal holds, and every inspection.

``ofsted_registrations`` has one row per URN with its present registration and its latest
inspection (the one that stands); ``ofsted_inspections`` keeps every inspection ever imported.
A setting's quality is the row of the URN it carries, or, for a fostering agency's office
without its own, the agency's (:func:`setting_urn`).
"""

from __future__ import annotations

import sqlalchemy as sa

from domain.ofsted import OfstedRegistration
from projections.base import BufferedRows, Projection, handles
from projections.database import metadata

ofsted_registrations = sa.Table(
    "ofsted_registrations",
    metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("urn", sa.String(12), nullable=False, unique=True),
    sa.Column("registration_status", sa.String(16)),
    sa.Column("registration_date", sa.Date),
    sa.Column("places", sa.Integer),
    sa.Column("provider_type", sa.String(200)),
    sa.Column("provider_subtype", sa.String(200)),
    sa.Column("setting_name", sa.String(200)),
    sa.Column("local_authority", sa.String(200)),
    sa.Column("owner", sa.String(200)),
    sa.Column("inspection_date", sa.Date),  # the latest inspection's
    sa.Column("publication_date", sa.Date),
    sa.Column("judgement", sa.String(24), index=True),
    sa.Column("inspections", sa.Integer, nullable=False),
    sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
)

ofsted_inspections = sa.Table(
    "ofsted_inspections",
    metadata,
    sa.Column("urn", sa.String(12), primary_key=True),
    sa.Column("inspection_date", sa.Date, primary_key=True),
    sa.Column("publication_date", sa.Date),
    sa.Column("judgement", sa.String(24)),
    sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
)

_DETAIL_COLUMNS = ("provider_type", "provider_subtype", "setting_name", "local_authority",
                   "owner")


class Quality(Projection):
    name = "quality"
    tables = (ofsted_registrations, ofsted_inspections)

    def __init__(self) -> None:
        self.rows = BufferedRows(ofsted_registrations)
        self.inspections: dict[tuple[str, object], dict] = {}
        self._recorded: set = set()  # registrations first recorded in this batch

    def prepare(self, connection: sa.Connection, notifications) -> None:
        mine = [n for n in notifications if n.topic in self._handlers]
        # A registration recorded in this batch has no row yet, and no inspection of its URN
        # is stored either (a URN's registration is one record: domain.ofsted.registration_id).
        self._recorded = {n.originator_id for n in mine if n.originator_version == 1}
        self.rows.absent(self._recorded)
        self.rows.load(connection, [n.originator_id for n in mine])

    def begin_batch(self, connection: sa.Connection) -> None:
        self.inspections = {}

    def discard_batch(self) -> None:
        super().discard_batch()
        self.inspections = {}
        self._recorded = set()

    def end_batch(self, connection: sa.Connection) -> None:
        self.rows.flush(connection)
        if self.inspections:
            t = ofsted_inspections
            connection.execute(t.delete().where(
                t.c.urn == sa.bindparam("_urn"),
                t.c.inspection_date == sa.bindparam("_day")),
                [{"_urn": urn, "_day": day} for urn, day in self.inspections])
            connection.execute(t.insert(), list(self.inspections.values()))
            self.inspections = {}

    @handles(OfstedRegistration.Recorded)
    def recorded(self, c: sa.Connection, e: OfstedRegistration.Recorded) -> None:
        self.rows.put(dict(id=e.originator_id, urn=e.urn, registration_status=None,
                           registration_date=None, places=None, inspection_date=None,
                           publication_date=None, judgement=None, inspections=0,
                           changed_at=e.timestamp, **dict.fromkeys(_DETAIL_COLUMNS)))

    @handles(OfstedRegistration.RegistrationChanged)
    def registration(self, c: sa.Connection, e) -> None:
        self.rows.update(e.originator_id, registration_status=e.status,
                         registration_date=e.registration_date, changed_at=e.timestamp)

    @handles(OfstedRegistration.PlacesChanged)
    def places(self, c: sa.Connection, e) -> None:
        self.rows.update(e.originator_id, places=e.places, changed_at=e.timestamp)

    @handles(OfstedRegistration.DetailsChanged)
    def details(self, c: sa.Connection, e) -> None:
        changes = {k: v for k, v in e.changes.items() if k in _DETAIL_COLUMNS}
        self.rows.update(e.originator_id, changed_at=e.timestamp, **changes)

    @handles(OfstedRegistration.InspectionRecorded)
    def inspected(self, c: sa.Connection, e) -> None:
        row = self.rows.get(e.originator_id)
        key = (row["urn"], e.inspection_date)
        # Stored already? Not if it is in this batch, nor if the registration is new here.
        known = key in self.inspections or (e.originator_id not in self._recorded and bool(
            c.execute(sa.select(sa.func.count()).select_from(ofsted_inspections).where(
                ofsted_inspections.c.urn == row["urn"],
                ofsted_inspections.c.inspection_date == e.inspection_date)).scalar_one()))
        self.inspections[key] = dict(urn=row["urn"], inspection_date=e.inspection_date,
                                     publication_date=e.publication_date,
                                     judgement=e.judgement, recorded_at=e.timestamp)
        values = dict(changed_at=e.timestamp, inspections=row["inspections"] + (not known))
        if row["inspection_date"] is None or e.inspection_date >= row["inspection_date"]:
            values.update(inspection_date=e.inspection_date,
                          publication_date=e.publication_date, judgement=e.judgement)
        self.rows.update(e.originator_id, **values)
