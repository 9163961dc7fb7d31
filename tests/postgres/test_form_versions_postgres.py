"""Optimistic concurrency through forms on PostgreSQL: two web processes (each its own app, as
two gunicorn workers) save one vacancy's edit form, both opened at one version, at once:
exactly one is saved, the other is told it changed since it was opened and keeps what it
typed. See tests/web/test_form_versions.py."""

from __future__ import annotations

from datetime import date

import pytest

from domain.actor import Actor
from portal.demo.loader import demo_accounts
from tests.postgres.test_web_postgres import (  # noqa: F401 (fixtures)
    app,
    demo_services,
    demo_template,
    demo_url,
)
from tests.web.form_races import save_in_two_processes

pytestmark = pytest.mark.postgres


def test_two_processes_saving_one_vacancy_at_once(app, demo_services, demo_url,  # noqa: F811
                                                  tmp_path):
    provider = next(a for a in demo_accounts() if a.role == "provider_user")
    portal = demo_services.portal
    setting = next(s for s in portal.get_provider(provider.organisation_id).settings.values()
                   if s.setting_type == "childrens_home")
    vacancy, position = portal.publish_vacancy(
        Actor.system(), provider_id=provider.organisation_id, setting_id=setting.id,
        age_from=9, age_to=15, needs_met=[], weekly_fee=4321, places=1,
        available_from=date(2027, 1, 4))
    demo_services.projections.wait_for(position)
    outcomes = save_in_two_processes(app, provider, demo_url, str(tmp_path), str(vacancy),
                                     str(setting.id), version=1)
    assert sorted((status, told, kept) for _fee, status, told, kept in outcomes) == [
        (200, True, True), (302, False, False)], outcomes
    winner = next(fee for fee, status, *_ in outcomes if status == 302)
    now = portal.get_vacancy(vacancy)
    assert (now.version, now.weekly_fee) == (2, winner)
