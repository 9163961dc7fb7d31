"""Identity providers and single sign-on links on the real PostgreSQL server: the same rows as
on SQLite, the longest values the domain allows fit their columns, and a rebuild equals them."""

from __future__ import annotations

import pytest

from portal.bootstrap import bootstrap
from projections.identity_providers import linked_account, providers_for_domain
from tests.projections.scenario import dump
from tests.projections.test_identity_providers import TABLES, world

pytestmark = pytest.mark.postgres


def test_identity_providers_on_postgresql(postgres_url):
    svc = bootstrap(postgres_url)
    try:
        made = world(svc.portal)
        # The longest settings the domain accepts must fit the read model's columns.
        long_domain = ".".join(["a" * 60] * 3) + ".example.org"
        svc.portal.change_identity_provider(
            made["admin"], made["dorset_idp"], display_name="D" * 100,
            discovery_url="https://" + "i" * 440 + ".example.org/.well-known/openid-configuration",
            client_id="c" * 200, client_secret_ref="file:/" + "s" * 299,
            allowed_domains=[long_domain])
        svc.portal.enable_identity_provider(made["admin"], made["dorset_idp"])
        svc.portal.sign_in_creating_account(provider_ref=made["dorset_idp"], subject="s" * 255,
                                            email=f"p@{long_domain}", display_name="P" * 200)
        svc.projections.catch_up()
        with svc.engine.connect() as c:
            [dorset] = providers_for_domain(c, long_domain)
            assert linked_account(c, dorset["issuer"], "s" * 255) is not None
        incremental = dump(svc.engine, names=TABLES)
        svc.projections.rebuild(["identity_providers"])
        assert dump(svc.engine, names=TABLES) == incremental
    finally:
        svc.close()
