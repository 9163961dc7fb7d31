"""The organisation directory: authorities, partnerships, providers, settings, accounts."""

from __future__ import annotations

import sqlalchemy as sa

from domain.account import Account
from domain.organisation import Authority, PlatformOrganisation, Provider
from projections.base import Projection, handles
from projections.database import metadata

organisations = sa.Table(
    "organisations",
    metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("kind", sa.String(16), nullable=False, index=True),  # authority|provider|platform
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("la_code", sa.String(3), unique=True),
    sa.Column("ons_code", sa.String(9)),
    sa.Column("population_0_17", sa.Integer),
    sa.Column("key_decision_threshold", sa.Integer),
    sa.Column("provider_kind", sa.String(40)),
    sa.Column("ofsted_urn", sa.String(12)),
    sa.Column("registered_at", sa.DateTime(timezone=True), nullable=False),
)

partnership_members = sa.Table(
    "partnership_members",
    metadata,
    sa.Column("partnership", sa.String(100), primary_key=True),
    sa.Column("authority_id", sa.Uuid, primary_key=True),
)

settings = sa.Table(
    "settings",
    metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("provider_id", sa.Uuid, nullable=False, index=True),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("setting_type", sa.String(40), nullable=False),
    sa.Column("ofsted_urn", sa.String(12)),
    sa.Column("host_authority_id", sa.Uuid, nullable=False, index=True),
    sa.Column("postcode_district", sa.String(4), nullable=False),
    sa.Column("registered_places", sa.Integer, nullable=False),
)

accounts = sa.Table(
    "accounts",
    metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("email", sa.String(320), nullable=False, unique=True),
    sa.Column("display_name", sa.String(200), nullable=False),
    sa.Column("organisation_id", sa.Uuid, nullable=False, index=True),
    sa.Column("roles", sa.String(200), nullable=False),  # space-separated
    # "invited" until the invitation is accepted, then "active" ("suspended" is its own flag).
    sa.Column("status", sa.String(16), nullable=False, server_default="active"),
    # Whether an authenticator app is set up (the secret itself is never here).
    sa.Column("second_factor", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("suspended", sa.Boolean, nullable=False),
    sa.Column("last_signed_in_at", sa.DateTime(timezone=True)),  # None: never signed in
)


class Directory(Projection):
    name = "directory"
    tables = (organisations, partnership_members, settings, accounts)

    @handles(Authority.Registered)
    def authority_registered(self, c: sa.Connection, e: Authority.Registered) -> None:
        c.execute(organisations.insert().values(
            id=e.originator_id, kind="authority", name=e.name, la_code=e.la_code,
            ons_code=e.ons_code, population_0_17=e.population_0_17,
            key_decision_threshold=e.key_decision_threshold, registered_at=e.timestamp,
        ))
        self._set_partnerships(c, e.originator_id, e.partnerships)

    @handles(Authority.DetailsUpdated)
    def authority_updated(self, c: sa.Connection, e: Authority.DetailsUpdated) -> None:
        changes = dict(e.changes)
        partnerships = changes.pop("partnerships", None)
        if changes:
            c.execute(organisations.update().where(organisations.c.id == e.originator_id)
                      .values(**changes))
        if partnerships is not None:
            self._set_partnerships(c, e.originator_id, partnerships)

    @staticmethod
    def _set_partnerships(c: sa.Connection, authority_id, partnerships: list[str]) -> None:
        c.execute(partnership_members.delete()
                  .where(partnership_members.c.authority_id == authority_id))
        if partnerships:
            c.execute(partnership_members.insert(),
                      [{"partnership": p, "authority_id": authority_id} for p in partnerships])

    @handles(Provider.Registered)
    def provider_registered(self, c: sa.Connection, e: Provider.Registered) -> None:
        # Parameters rather than .values(): the statement is compiled once and cached, which
        # matters when a replay registers thousands of providers and settings.
        c.execute(organisations.insert(), {
            "id": e.originator_id, "kind": "provider", "name": e.name,
            "provider_kind": e.kind, "ofsted_urn": e.ofsted_urn, "registered_at": e.timestamp,
        })

    @handles(Provider.SettingAdded)
    def setting_added(self, c: sa.Connection, e: Provider.SettingAdded) -> None:
        c.execute(settings.insert(), {
            "id": e.setting_id, "provider_id": e.originator_id, "name": e.name,
            "setting_type": e.setting_type, "ofsted_urn": e.ofsted_urn,
            "host_authority_id": e.host_authority_id,
            "postcode_district": e.postcode_district,
            "registered_places": e.registered_places,
        })

    @handles(Provider.SettingPlacesChanged)
    def setting_places_changed(self, c: sa.Connection, e: Provider.SettingPlacesChanged) -> None:
        c.execute(settings.update().where(settings.c.id == e.setting_id)
                  .values(registered_places=e.registered_places))

    @handles(PlatformOrganisation.Registered)
    def platform_registered(self, c: sa.Connection, e: PlatformOrganisation.Registered) -> None:
        c.execute(organisations.insert().values(
            id=e.originator_id, kind="platform", name=e.name, registered_at=e.timestamp,
        ))

    @handles(Account.Created)
    def account_created(self, c: sa.Connection, e: Account.Created) -> None:
        c.execute(accounts.insert().values(
            id=e.originator_id, email=e.email, display_name=e.display_name,
            organisation_id=e.organisation_id, roles=" ".join(e.roles), suspended=False,
            status="active", second_factor=False,
        ))

    @handles(Account.RoleGranted, Account.RoleRevoked)
    def role_changed(self, c: sa.Connection, e: Account.RoleGranted | Account.RoleRevoked) -> None:
        current = c.execute(sa.select(accounts.c.roles)
                            .where(accounts.c.id == e.originator_id)).scalar_one()
        roles = set(current.split())
        if isinstance(e, Account.RoleGranted):
            roles.add(e.role)
        else:
            roles.discard(e.role)
        c.execute(accounts.update().where(accounts.c.id == e.originator_id)
                  .values(roles=" ".join(sorted(roles))))

    @handles(Account.Suspended, Account.Reinstated)
    def suspension(self, c: sa.Connection, e: Account.Suspended | Account.Reinstated) -> None:
        c.execute(accounts.update().where(accounts.c.id == e.originator_id)
                  .values(suspended=isinstance(e, Account.Suspended)))

    @handles(Account.SignedIn)
    def signed_in(self, c: sa.Connection, e: Account.SignedIn) -> None:
        c.execute(accounts.update().where(accounts.c.id == e.originator_id)
                  .values(last_signed_in_at=e.timestamp))

    @handles(Account.Invited)
    def invited(self, c: sa.Connection, e: Account.Invited) -> None:
        c.execute(accounts.update().where(accounts.c.id == e.originator_id)
                  .values(status="invited", roles=" ".join(e.roles)))

    @handles(Account.Activated)
    def activated(self, c: sa.Connection, e: Account.Activated) -> None:
        c.execute(accounts.update().where(accounts.c.id == e.originator_id)
                  .values(status="active"))

    @handles(Account.SecondFactorEnrolled, Account.SecondFactorReset)
    def second_factor_changed(self, c: sa.Connection,
                              e: Account.SecondFactorEnrolled | Account.SecondFactorReset
                              ) -> None:
        c.execute(accounts.update().where(accounts.c.id == e.originator_id)
                  .values(second_factor=isinstance(e, Account.SecondFactorEnrolled)))
