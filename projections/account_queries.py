"""What an organisation's administrator reads about its people: their accounts and each
account's access history.

Every query takes the viewer first and needs ``accounts.manage``. Its scope decides whose
accounts: an organisation's administrator sees only their own organisation's; a platform
administrator sees every organisation's (and may filter by one). Another organisation's account
answers exactly as a missing one does. The history comes from the audit index, so it is the
same record the auditor reads.
"""

from __future__ import annotations

from uuid import UUID

import sqlalchemy as sa

from domain.errors import NotFound
from domain.permissions import REGION, check, check_in_scope, scope_for
from projections.audit.index import audit_events
from projections.directory import accounts, organisations
from projections.paging import Page
from projections.scoping import in_scope_condition

PAGE_SIZE = 50
HISTORY_PAGE_SIZE = 25
MISSING = "There is no such account"


def _status():
    """Invited, active or suspended, from the directory's columns."""
    return sa.case((accounts.c.suspended, "suspended"),
                   else_=accounts.c.status).label("state")


def organisations_to_choose(viewer, connection: sa.Connection) -> list:
    """The organisations whose accounts the viewer may list (one, unless region-wide)."""
    return list(connection.execute(
        sa.select(organisations.c.id, organisations.c.name, organisations.c.kind)
        .where(in_scope_condition(viewer, "accounts.manage", organisations.c.id))
        .order_by(organisations.c.name)).mappings().all())


def accounts_page(viewer, connection: sa.Connection, organisation_id: UUID | None = None,
                  page: int = 1, page_size: int = PAGE_SIZE) -> Page:
    """The accounts the viewer manages, by organisation then name; ``organisation_id`` narrows
    a region-wide list to one organisation (outside the viewer's scope: no rows)."""
    conditions = [in_scope_condition(viewer, "accounts.manage", accounts.c.organisation_id)]
    if organisation_id is not None:
        conditions.append(accounts.c.organisation_id == organisation_id)
    total = connection.execute(sa.select(sa.func.count()).select_from(accounts)
                               .where(*conditions)).scalar_one()
    number = max(1, min(page, max(1, -(-total // page_size))))
    rows = connection.execute(
        sa.select(accounts, _status(), organisations.c.name.label("organisation_name"))
        .join(organisations, organisations.c.id == accounts.c.organisation_id)
        .where(*conditions)
        .order_by(organisations.c.name, accounts.c.display_name, accounts.c.email)
        .limit(page_size).offset((number - 1) * page_size)).mappings().all()
    return Page(rows=list(rows), total=total, number=number, size=page_size)


def pending_invitations(viewer, connection: sa.Connection) -> list:
    """The accounts the viewer manages that are invited and not yet active (not suspended),
    by organisation and name."""
    return list(connection.execute(
        sa.select(accounts, organisations.c.name.label("organisation_name"))
        .join(organisations, organisations.c.id == accounts.c.organisation_id)
        .where(in_scope_condition(viewer, "accounts.manage", accounts.c.organisation_id),
               accounts.c.status == "invited", sa.not_(accounts.c.suspended))
        .order_by(organisations.c.name, accounts.c.display_name, accounts.c.email)).mappings())


def managed_account(viewer, connection: sa.Connection, account_id: UUID):
    """One account the viewer manages; any other is "no such account"."""
    check(viewer, "accounts.manage")
    row = connection.execute(
        sa.select(accounts, _status(), organisations.c.name.label("organisation_name"),
                  organisations.c.kind.label("organisation_kind"))
        .join(organisations, organisations.c.id == accounts.c.organisation_id)
        .where(accounts.c.id == account_id)).mappings().first()
    if row is None:
        raise NotFound(MISSING)
    check_in_scope(viewer, "accounts.manage", row["organisation_id"], missing=MISSING)
    return row


def access_history(viewer, connection: sa.Connection, account_id: UUID, page: int = 1,
                   page_size: int = HISTORY_PAGE_SIZE) -> Page:
    """Every event of the account, newest first, with who did it and why."""
    managed_account(viewer, connection, account_id)
    t = audit_events
    condition = t.c.record_id == account_id
    total = connection.execute(sa.select(sa.func.count()).select_from(t)
                               .where(condition)).scalar_one()
    number = max(1, min(page, max(1, -(-total // page_size))))
    actor_organisation = organisations.alias("actor_organisation")
    rows = connection.execute(
        sa.select(t, accounts.c.display_name.label("actor_name"),
                  accounts.c.email.label("actor_email"),
                  actor_organisation.c.name.label("actor_organisation_name"))
        .outerjoin(accounts, accounts.c.id == t.c.actor_user_id)
        .outerjoin(actor_organisation, actor_organisation.c.id == t.c.actor_organisation_id)
        .where(condition).order_by(t.c.position.desc())
        .limit(page_size).offset((number - 1) * page_size)).mappings().all()
    return Page(rows=[_actor_named_for(viewer, row) for row in rows], total=total,
                number=number, size=page_size)


def _actor_named_for(viewer, row) -> dict:
    """A history row as ``viewer`` may read it: who acted is named only to their own
    organisation and to region-wide administrators; anyone else sees the actor's organisation
    (a platform administrator's name is not another organisation's to know)."""
    row = dict(row)
    if row["actor_organisation_id"] not in (None, viewer.organisation_id) \
            and scope_for(viewer, "accounts.manage") != REGION:
        row["actor_name"] = row["actor_email"] = None
    return row
