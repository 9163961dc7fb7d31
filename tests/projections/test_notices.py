"""The notices read model: who a tender is open to agrees with the domain and the tender
queries for every provider, and a rebuild writes exactly the rows it had (same ids), so the
e-mail ledger keyed on them never sends twice."""

from __future__ import annotations

from uuid import uuid4

import sqlalchemy as sa

from domain.errors import DomainError
from domain.principal import Principal
from projections.directory import organisations
from projections.notices import notices, open_to
from projections.tender_queries import tender_list
from projections.tenders import tenders


def provider_principal(row) -> Principal:
    return Principal(user_id=uuid4(), email="someone@provider.example.org",
                     display_name="Someone", organisation_id=row.id,
                     organisation_kind="provider", organisation_name=row.name,
                     roles=frozenset({"provider_user"}))


def test_open_to_agrees_with_the_domain_and_the_tender_queries(demo_services):
    portal = demo_services.portal
    with demo_services.engine.connect() as c:
        eligible = open_to(c)
        published = set(c.execute(sa.select(tenders.c.id).where(tenders.c.stage != "draft"))
                        .scalars())
        providers = list(c.execute(sa.select(organisations.c.id, organisations.c.name)
                                   .where(organisations.c.kind == "provider")))
        assert set(eligible) == published and len(published) >= 5
        for provider in providers:
            mine = {t for t, ps in eligible.items() if provider.id in ps}
            assert mine == {t["id"] for t in tender_list(provider_principal(provider), c)}
            domain_provider = portal.get_provider(provider.id)
            for tender_id in published:
                try:
                    portal.check_eligible(portal.get_tender(tender_id), domain_provider)
                    allowed = True
                except DomainError:
                    allowed = False
                assert allowed == (tender_id in mine), (provider.name, tender_id)


def test_a_rebuild_writes_the_same_notices(demo_services):
    def rows():
        with demo_services.engine.connect() as c:
            return sorted(tuple(r) for r in c.execute(sa.select(notices)))

    before = rows()
    assert len(before) >= 9
    demo_services.projections.rebuild(["notices"])
    assert rows() == before
