"""Who may open which sufficiency view, and which views show figures in full."""

from __future__ import annotations

from uuid import uuid4

import pytest

from domain.errors import NotFound
from domain.permissions import Forbidden
from projections.sufficiency.scope import resolve_scope, scopes_for
from tests.projections.sufficiency_region import Region, principal


@pytest.fixture
def region(services):
    world = Region(services)
    world.catch_up()
    return world


def resolve(region, viewer, kind, key):
    with region.services.engine.connect() as c:
        return resolve_scope(viewer, c, kind, key)


def test_an_officer_sees_their_own_authority_in_full_and_no_other(region):
    kent = principal("council_officer", region.ids["Kent"])
    own = resolve(region, kent, "authority", "886")
    assert (own.kind, own.name, own.authority_ids, own.disclose, own.key) == (
        "authority", "Kent", (region.ids["Kent"],), True, "886")
    dorset = resolve(region, kent, "authority", "838")
    assert dorset.authority_ids == (region.ids["Dorset"],) and dorset.disclose is False
    partnership = resolve(region, kent, "partnership", "South East")
    assert partnership.authority_ids == (region.ids["Kent"], region.ids["Portsmouth"])
    assert partnership.disclose is False and partnership.key == "South East"
    everyone = resolve(region, kent, "region", None)
    assert set(everyone.authority_ids) == set(region.ids.values())
    assert everyone.disclose is False


@pytest.mark.parametrize("role", ["provider_user", "auditor", "platform_admin"])
def test_everyone_else_sees_only_suppressed_views(region, role):
    viewer = principal(role, region.provider, kind="provider")
    for kind, key in [("authority", "886"), ("partnership", "South East"),
                      ("region", None)]:
        assert resolve(region, viewer, kind, key).disclose is False


def test_a_provider_whose_id_matched_an_authority_would_still_not_see_it_in_full(region):
    # Only an authority's own officer: the organisation kind and the role both matter.
    viewer = principal("provider_user", region.ids["Kent"], kind="provider")
    assert resolve(region, viewer, "authority", "886").disclose is False


def test_unknown_views_are_not_found(region):
    kent = principal("council_officer", region.ids["Kent"])
    for kind, key in [("authority", "999"), ("authority", ""), ("partnership", "Nowhere"),
                      ("partnership", None), ("county", "886")]:
        with pytest.raises(NotFound):
            resolve(region, kent, kind, key)


def test_no_sufficiency_permission_is_forbidden(region):
    nobody = principal("no_such_role", region.ids["Kent"])
    with pytest.raises(Forbidden):
        resolve(region, nobody, "authority", "886")
    with pytest.raises(Forbidden):
        resolve(region, None, "region", None)


def test_the_views_a_viewer_may_open(region):
    with region.services.engine.connect() as c:
        for_kent = scopes_for(principal("council_officer", region.ids["Kent"]), c)
        for_provider = scopes_for(principal("provider_user", uuid4(), kind="provider"), c)
    assert [(s.kind, s.key, s.disclose) for s in for_kent] == [
        ("authority", "886", True),
        ("partnership", "Dorset", False), ("partnership", "South East", False),
        ("region", "region", False),
        ("authority", "838", False), ("authority", "851", False)]
    assert [(s.kind, s.key) for s in for_provider] == [
        ("partnership", "Dorset"), ("partnership", "South East"), ("region", "region"),
        ("authority", "838"), ("authority", "886"), ("authority", "851")]
    assert not any(s.disclose for s in for_provider)
