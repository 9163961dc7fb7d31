"""Optimistic concurrency through the other edit forms on PostgreSQL (a contract's variation,
an authority's targets): officers saving one form, all opened at one version, at once, in
threads of one app and in two web processes (each its own app, as two gunicorn workers):
exactly one is saved, every other is told it changed since it was opened and keeps what it
typed. See tests/web/test_edit_form_versions.py."""

from __future__ import annotations

from datetime import date

import pytest

from domain.account import account_id
from domain.actor import Actor
from portal.demo.loader import demo_accounts
from portal.form_keys import CHANGED
from tests.postgres.test_web_postgres import (  # noqa: F401 (fixtures)
    app,
    demo_services,
    demo_template,
    demo_url,
)
from tests.web.form_races import send_in_two_processes
from tests.web.test_edit_form_versions import five_vary_at_once, vary_form

pytestmark = pytest.mark.postgres

CHANGED_CONTRACT = CHANGED.format(what="This contract")
CHANGED_TARGETS = CHANGED.format(what="Your authority's record")


def kent_officer():
    return next(a for a in demo_accounts()
                if a.role == "council_officer" and a.organisation == "Kent")


def a_contract(portal, projections, officer) -> str:
    provider = next(a for a in demo_accounts() if a.role == "provider_user")
    contract, position = portal.record_contract(
        Actor(user_id=account_id(officer.email), organisation_id=officer.organisation_id),
        authority_id=officer.organisation_id, provider_id=provider.organisation_id,
        route="block", title="Kent residential block", setting_type="childrens_home",
        places=6, weekly_price=4200, start=date(2025, 4, 1), end=date(2028, 3, 31))
    projections.wait_for(position)
    return str(contract)


def test_officers_varying_one_contract_at_once_in_threads(app, demo_services):  # noqa: F811
    officer = kent_officer()
    contract = a_contract(demo_services.portal, demo_services.projections, officer)
    version = str(demo_services.portal.version_of(contract))
    winner = five_vary_at_once(app, app.test_client(), officer, contract, version)
    now = demo_services.portal.repository.get(contract)
    assert (now.version, now.weekly_price) == (int(version) + 1, 5000 + winner)


def test_two_processes_varying_one_contract_at_once(app, demo_services, demo_url,  # noqa: F811
                                                    tmp_path):
    officer = kent_officer()
    contract = a_contract(demo_services.portal, demo_services.projections, officer)
    version = str(demo_services.portal.version_of(contract))
    outcomes = send_in_two_processes(
        app, officer, demo_url, str(tmp_path), f"/contracts/{contract}/vary",
        [(vary_form(price, version), f'value="{price}"') for price in (5100, 5200)],
        CHANGED_CONTRACT)
    assert sorted((status, told, kept) for _typed, status, told, kept in outcomes) == [
        (200, True, True), (302, False, False)], outcomes
    winner = next(typed for typed, status, *_ in outcomes if status == 302)
    now = demo_services.portal.repository.get(contract)
    assert (now.version, f'value="{now.weekly_price}"') == (int(version) + 1, winner)


def test_two_processes_saving_one_authoritys_targets_at_once(
        app, demo_services, demo_url, tmp_path):  # noqa: F811
    officer = kent_officer()
    version = str(demo_services.portal.version_of(officer.organisation_id))
    outcomes = send_in_two_processes(
        app, officer, demo_url, str(tmp_path), "/targets/",
        [({"children_per_10k": figure, "version": version}, f'value="{figure}"')
         for figure in ("58", "63")], CHANGED_TARGETS)
    assert sorted((status, told, kept) for _typed, status, told, kept in outcomes) == [
        (200, True, True), (302, False, False)], outcomes
    winner = next(typed for typed, status, *_ in outcomes if status == 302)
    authority = demo_services.portal.repository.get(officer.organisation_id)
    assert authority.version == int(version) + 1
    assert f'value="{authority.targets["children_per_10k"]:g}"' == winner
