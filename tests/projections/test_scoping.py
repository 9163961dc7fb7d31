"""The permission table's scopes as SQL agree with the row-at-a-time check."""

from __future__ import annotations

from dataclasses import replace
from uuid import uuid4

import pytest
import sqlalchemy as sa

from domain.permissions import Forbidden, in_scope
from projections.directory import organisations
from projections.scoping import in_scope_condition
from tests.projections.sufficiency_region import Region, principal


@pytest.fixture
def region(services):
    world = Region(services)
    world.catch_up()
    return world


def visible(region, viewer, action) -> set:
    with region.services.engine.connect() as c:
        return set(c.execute(sa.select(organisations.c.id).where(
            in_scope_condition(viewer, action, organisations.c.id))).scalars())


def test_each_scope_as_sql(region):
    kent = replace(principal("council_officer", region.ids["Kent"]),
                   partnerships=frozenset({"South East"}))
    everyone = visible(region, principal("auditor", uuid4()), "tenders.view")
    assert everyone >= set(region.ids.values()) | {region.provider}
    assert visible(region, kent, "tenders.lead") == {region.ids["Kent"]}
    assert visible(region, kent, "tenders.pipeline") == {region.ids["Kent"],
                                                          region.ids["Portsmouth"]}
    # An authority in no partnership reaches only itself.
    alone = replace(kent, partnerships=frozenset())
    assert visible(region, alone, "tenders.pipeline") == {region.ids["Kent"]}
    with pytest.raises(Forbidden):
        visible(region, kent, "audit.read")


@pytest.mark.parametrize("action", ["tenders.lead", "tenders.view", "tenders.pipeline",
                                    "accounts.manage", "vacancies.view_own"])
@pytest.mark.parametrize("role", ["council_officer", "provider_user", "auditor",
                                  "organisation_admin", "platform_admin"])
def test_sql_and_row_checks_agree(region, action, role):
    viewer = replace(principal(role, region.ids["Kent"]), partnerships=frozenset({"South East"}))
    with region.services.engine.connect() as c:
        every = set(c.execute(sa.select(organisations.c.id)).scalars())
    try:
        shown = visible(region, viewer, action)
    except Forbidden:
        shown = set()
    partnerships = {region.ids["Kent"]: ["South East"], region.ids["Portsmouth"]: ["South East"],
                    region.ids["Dorset"]: ["Dorset"]}
    assert shown == {org for org in every
                     if in_scope(viewer, action, org, partnerships.get(org, []))}
