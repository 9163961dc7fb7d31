"""Organisations' identity providers, the email domains each vouches for, and which account
each provider's user (issuer and subject) is linked to: what single sign-on looks up.

The client secret is not here either: only the reference to where it is kept.
"""

from __future__ import annotations

from uuid import UUID

import sqlalchemy as sa

from domain.account import Account
from domain.errors import NotFound
from domain.identity_provider import IdentityProvider, issuer_of
from domain.permissions import check
from projections.base import Projection, handles
from projections.database import metadata
from projections.directory import organisations

identity_providers = sa.Table(
    "identity_providers",
    metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("organisation_id", sa.Uuid, nullable=False, unique=True),
    sa.Column("display_name", sa.String(100), nullable=False),
    sa.Column("discovery_url", sa.String(500), nullable=False),
    sa.Column("issuer", sa.String(500), nullable=False),
    sa.Column("client_id", sa.String(200), nullable=False),
    sa.Column("client_secret_ref", sa.String(310), nullable=False),
    sa.Column("allowed_domains", sa.Text, nullable=False),  # space-separated
    sa.Column("disabled", sa.Boolean, nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
)

# One row per (domain, provider): a domain should belong to one provider only (the admin page
# refuses a domain another provider has), and sign-in refuses one that somehow has two.
identity_provider_domains = sa.Table(
    "identity_provider_domains",
    metadata,
    sa.Column("domain", sa.String(253), primary_key=True),
    sa.Column("identity_provider_id", sa.Uuid, primary_key=True),
)

identity_links = sa.Table(
    "identity_links",
    metadata,
    sa.Column("issuer", sa.String(500), primary_key=True),
    sa.Column("subject", sa.String(255), primary_key=True),
    sa.Column("account_id", sa.Uuid, nullable=False, index=True),
)


class IdentityProviders(Projection):
    name = "identity_providers"
    tables = (identity_providers, identity_provider_domains, identity_links)

    @handles(IdentityProvider.Registered)
    def registered(self, c: sa.Connection, e: IdentityProvider.Registered) -> None:
        c.execute(identity_providers.insert().values(
            id=e.originator_id, organisation_id=e.organisation_id, display_name=e.display_name,
            discovery_url=e.discovery_url, issuer=issuer_of(e.discovery_url),
            client_id=e.client_id, client_secret_ref=e.client_secret_ref,
            allowed_domains=" ".join(e.allowed_domains), disabled=False,
            version=e.originator_version))
        self._set_domains(c, e.originator_id, e.allowed_domains)

    @handles(IdentityProvider.Changed)
    def changed(self, c: sa.Connection, e: IdentityProvider.Changed) -> None:
        values = dict(e.changes, version=e.originator_version)
        if "discovery_url" in values:
            values["issuer"] = issuer_of(values["discovery_url"])
        if "allowed_domains" in values:
            self._set_domains(c, e.originator_id, values["allowed_domains"])
            values["allowed_domains"] = " ".join(values["allowed_domains"])
        c.execute(identity_providers.update()
                  .where(identity_providers.c.id == e.originator_id).values(**values))

    @handles(IdentityProvider.Disabled, IdentityProvider.Enabled)
    def switched(self, c: sa.Connection,
                 e: IdentityProvider.Disabled | IdentityProvider.Enabled) -> None:
        c.execute(identity_providers.update()
                  .where(identity_providers.c.id == e.originator_id)
                  .values(disabled=isinstance(e, IdentityProvider.Disabled),
                          version=e.originator_version))

    @handles(Account.IdentityLinked)
    def linked(self, c: sa.Connection, e: Account.IdentityLinked) -> None:
        # Sign-in links only a subject no account has, so a second link for the same pair
        # can only be a race between two first sign-ins: the first one stays.
        exists = c.execute(sa.select(identity_links.c.account_id).where(
            identity_links.c.issuer == e.issuer, identity_links.c.subject == e.subject)).first()
        if exists is None:
            c.execute(identity_links.insert().values(issuer=e.issuer, subject=e.subject,
                                                     account_id=e.originator_id))

    @staticmethod
    def _set_domains(c: sa.Connection, provider_id: UUID, domains: list[str]) -> None:
        c.execute(identity_provider_domains.delete()
                  .where(identity_provider_domains.c.identity_provider_id == provider_id))
        if domains:
            c.execute(identity_provider_domains.insert(),
                      [{"domain": d, "identity_provider_id": provider_id} for d in domains])


def _row(row) -> dict:
    return dict(row, allowed_domains=row["allowed_domains"].split())


_WITH_ORGANISATION = (
    sa.select(identity_providers, organisations.c.name.label("organisation_name"))
    .join(organisations, organisations.c.id == identity_providers.c.organisation_id))


# --- the platform administrator's pages ---------------------------------------------------------

def all_identity_providers(viewer, connection: sa.Connection) -> list[dict]:
    check(viewer, "identity_providers.manage")
    rows = connection.execute(_WITH_ORGANISATION.order_by(organisations.c.name)).mappings()
    return [_row(row) for row in rows]


def identity_provider(viewer, connection: sa.Connection, provider_id: UUID) -> dict:
    check(viewer, "identity_providers.manage")
    row = connection.execute(_WITH_ORGANISATION.where(identity_providers.c.id == provider_id)
                             ).mappings().first()
    if row is None:
        raise NotFound("There is no such identity provider")
    return _row(row)


def organisations_without_provider(viewer, connection: sa.Connection) -> list[dict]:
    check(viewer, "identity_providers.manage")
    taken = sa.select(identity_providers.c.organisation_id)
    return [dict(row) for row in connection.execute(
        sa.select(organisations.c.id, organisations.c.name, organisations.c.kind)
        .where(organisations.c.id.not_in(taken)).order_by(organisations.c.name)).mappings()]


def domains_claimed_elsewhere(viewer, connection: sa.Connection, organisation_id: UUID,
                              domains: list[str]) -> dict[str, str]:
    """Those of ``domains`` another organisation's provider already vouches for, with that
    organisation's name."""
    check(viewer, "identity_providers.manage")
    if not domains:
        return {}
    rows = connection.execute(
        sa.select(identity_provider_domains.c.domain, organisations.c.name)
        .join(identity_providers,
              identity_providers.c.id == identity_provider_domains.c.identity_provider_id)
        .join(organisations, organisations.c.id == identity_providers.c.organisation_id)
        .where(identity_provider_domains.c.domain.in_(domains),
               identity_providers.c.organisation_id != organisation_id)).all()
    return dict(rows)


# --- signing in: nobody is signed in yet, so these are not a viewer's queries -------------------

def providers_for_domain(connection: sa.Connection, domain: str) -> list[dict]:
    """The identity providers that vouch for an email domain (normally none or one)."""
    rows = connection.execute(
        _WITH_ORGANISATION.join(
            identity_provider_domains,
            identity_provider_domains.c.identity_provider_id == identity_providers.c.id)
        .where(identity_provider_domains.c.domain == domain)).mappings()
    return [_row(row) for row in rows]


def provider_for_sign_in(connection: sa.Connection, provider_id: UUID) -> dict | None:
    row = connection.execute(_WITH_ORGANISATION.where(identity_providers.c.id == provider_id)
                             ).mappings().first()
    return None if row is None else _row(row)


def linked_account(connection: sa.Connection, issuer: str, subject: str) -> UUID | None:
    return connection.execute(
        sa.select(identity_links.c.account_id)
        .where(identity_links.c.issuer == issuer, identity_links.c.subject == subject)
    ).scalar_one_or_none()
