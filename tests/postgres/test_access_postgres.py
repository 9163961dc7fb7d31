"""The queries behind users, the changes of access and the partnership scope, on the real
PostgreSQL server (row-value IN and the partnership subquery are the parts SQLite could hide)."""

from __future__ import annotations

from dataclasses import replace

import pytest
import sqlalchemy as sa

from domain.actor import Actor
from portal.bootstrap import bootstrap
from projections.account_queries import accounts_page, managed_account
from projections.audit.access import access_kinds
from projections.audit.queries import AuditSearch, audit_events_page
from projections.directory import organisations
from projections.scoping import in_scope_condition
from tests.projections.sufficiency_region import Region, principal

pytestmark = pytest.mark.postgres
SYSTEM = Actor.system()


@pytest.fixture
def services(postgres_url):
    svc = bootstrap(postgres_url)
    yield svc
    svc.close()


def test_users_changes_of_access_and_partnership_scope(services):
    region = Region(services)
    portal = services.portal
    kent, dorset = region.ids["Kent"], region.ids["Dorset"]
    admin, _ = portal.create_account(SYSTEM, email="admin@kent.example.org", display_name="A",
                                     organisation_id=kent, roles=["organisation_admin"])
    officer, _ = portal.create_account(SYSTEM, email="o@kent.example.org", display_name="O",
                                       organisation_id=kent, roles=["council_officer"])
    portal.create_account(SYSTEM, email="o@dorset.example.org", display_name="D",
                          organisation_id=dorset, roles=["council_officer"])
    actor = Actor(admin, kent)
    portal.grant_role(actor, officer, role="organisation_admin", reason="Deputy")
    portal.suspend_account(actor, officer, reason="Left")
    services.projections.wait_for(portal.record_sign_in(admin, method="password+totp"))
    viewer = replace(principal("organisation_admin", kent), user_id=admin,
                     partnerships=frozenset({"South East"}))
    with services.engine.connect() as c:
        page = accounts_page(viewer, c)
        assert [(r["email"], r["state"]) for r in page.rows] == [
            ("admin@kent.example.org", "active"), ("o@kent.example.org", "suspended")]
        assert managed_account(viewer, c, officer)["roles"] == "council_officer organisation_admin"
        auditor = principal("auditor", kent)
        changes = audit_events_page(auditor, c, AuditSearch(kinds=access_kinds(False)))
        assert [r["event_type"] for r in changes.rows] == [
            "Suspended", "RoleGranted", "Created", "Created", "Created"]
        with_sign_ins = audit_events_page(auditor, c, AuditSearch(
            organisation_id=kent, kinds=access_kinds(True)))
        assert [r["event_type"] for r in with_sign_ins.rows][:1] == ["SignedIn"]
        assert with_sign_ins.total == 5
        officer_viewer = replace(principal("council_officer", kent),
                                 partnerships=frozenset({"South East"}))
        partners = set(c.execute(sa.select(organisations.c.id).where(in_scope_condition(
            officer_viewer, "tenders.pipeline", organisations.c.id))).scalars())
        assert partners == {kent, region.ids["Portsmouth"]}
