"""Each provider's named contact for its vacancies (name, telephone, e-mail), set by the
provider's own users and shown to councils on every vacancy of the provider. Not child-level:
it is the provider's business contact, shown wherever the provider's vacancies are."""

from __future__ import annotations

from uuid import UUID

import sqlalchemy as sa

from domain.organisation import Provider
from projections.base import Projection, handles
from projections.database import metadata

provider_contacts = sa.Table(
    "provider_contacts",
    metadata,
    sa.Column("provider_id", sa.Uuid, primary_key=True),
    sa.Column("name", sa.String(100), nullable=False),
    sa.Column("phone", sa.String(40), nullable=False),
    sa.Column("email", sa.String(254), nullable=False),
    sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
)


class ProviderContacts(Projection):
    name = "provider_contacts"
    tables = (provider_contacts,)

    @handles(Provider.ContactSet)
    def contact_set(self, c: sa.Connection, e: Provider.ContactSet) -> None:
        c.execute(provider_contacts.delete().where(
            provider_contacts.c.provider_id == e.originator_id))
        c.execute(provider_contacts.insert().values(
            provider_id=e.originator_id, name=e.contact_name, phone=e.contact_phone,
            email=e.contact_email, changed_at=e.timestamp))


def provider_contact(connection: sa.Connection, provider_id: UUID) -> dict | None:
    """The provider's named contact, or None when it has named none. A provider's business
    contact, shared with everyone who may see its vacancies: the caller has checked that."""
    row = connection.execute(sa.select(provider_contacts).where(
        provider_contacts.c.provider_id == provider_id)).mappings().first()
    return dict(row) if row else None
