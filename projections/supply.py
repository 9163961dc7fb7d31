"""Supply read models: each authority's own (in-house) settings with every step of their
registration pipeline, and its places in development.

``in_house_settings`` holds the settings of each authority's in-house provider (the directory's
``settings`` holds them too, as every provider's); ``in_house_stages`` every step, dated, so a
dashboard on any date counts a council home as capacity only once it was registered by then.
``developments`` holds each scheme of new places as it stands now.
"""

from __future__ import annotations

import sqlalchemy as sa

from domain.development import Development
from domain.organisation import Provider
from projections.base import Projection, handles
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


class Supply(Projection):
    name = "supply"
    tables = (in_house_providers, in_house_settings, in_house_stages, developments)

    @handles(Provider.RunByAuthority)
    def run_by(self, c: sa.Connection, e) -> None:
        c.execute(in_house_providers.insert().values(provider_id=e.originator_id,
                                                     authority_id=e.owner_authority_id))

    @handles(Provider.SettingAdded)
    def setting_added(self, c: sa.Connection, e) -> None:
        owner = c.execute(sa.select(in_house_providers.c.authority_id).where(
            in_house_providers.c.provider_id == e.originator_id)).scalar()
        if owner is None:
            return
        c.execute(in_house_settings.insert().values(
            setting_id=e.setting_id, provider_id=e.originator_id, authority_id=owner,
            name=e.name, setting_type=e.setting_type, postcode_district=e.postcode_district,
            places=e.registered_places))

    @handles(Provider.SettingPlacesChanged)
    def places_changed(self, c: sa.Connection, e) -> None:
        c.execute(in_house_settings.update().where(
            in_house_settings.c.setting_id == e.setting_id).values(places=e.registered_places))

    @handles(Provider.SettingStageChanged)
    def stage_changed(self, c: sa.Connection, e) -> None:
        steps = c.execute(sa.select(sa.func.count()).where(
            in_house_stages.c.setting_id == e.setting_id)).scalar_one()
        c.execute(in_house_stages.insert().values(setting_id=e.setting_id, step=steps + 1,
                                                  stage=e.stage, on=e.on, reason=e.reason))

    @handles(Development.Recorded)
    def development_recorded(self, c: sa.Connection, e) -> None:
        c.execute(developments.insert().values(
            id=e.originator_id, authority_id=e.authority_id, name=e.name,
            development_type=e.development_type, setting_type=e.setting_type, places=e.places,
            expected_opening=e.expected_opening, confidence=e.confidence,
            tender_id=e.tender_id, contract_id=e.contract_id, status="in_development",
            status_on=None, changes=0))

    @handles(Development.Changed)
    def development_changed(self, c: sa.Connection, e) -> None:
        c.execute(developments.update().where(developments.c.id == e.originator_id)
                  .values(**e.changes, changes=developments.c.changes + 1))

    @handles(Development.Opened, Development.Dropped)
    def development_ended(self, c: sa.Connection, e) -> None:
        status = "opened" if isinstance(e, Development.Opened) else "dropped"
        c.execute(developments.update().where(developments.c.id == e.originator_id)
                  .values(status=status, status_on=e.on))
