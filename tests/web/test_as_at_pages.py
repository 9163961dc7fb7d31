"""Auditors see the vacancy board as it stood at a past moment, matching what it showed then."""

from __future__ import annotations

import re
import time
from datetime import datetime

import pytest

from domain.timezone import LONDON
from tests.conftest import account_for

BOARD_ROW = re.compile(r'href="/vacancies/([0-9a-f-]{36})"')


def board_ids(client) -> set[str]:
    ids = set()
    for number in range(1, 10):
        page = client.get(f"/vacancies/?page={number}").get_data(as_text=True)
        found = set(BOARD_ROW.findall(page))
        if not found or found <= ids:
            break
        ids |= found
    return ids


def as_at_query(moment: datetime, **extra) -> str:
    local = moment.astimezone(LONDON)
    query = (f"/audit/as-at/?view=vacancy_board&date-day={local.day}&date-month={local.month}"
             f"&date-year={local.year}&time={local:%H:%M:%S}")
    return query + "".join(f"&{k}={v}" for k, v in extra.items())


@pytest.mark.parametrize("from_start", [False, True])
def test_the_board_as_at_a_past_moment_matches_what_it_showed_then(client, app, from_start):
    officer = account_for("council_officer", "Kent")
    provider = account_for("provider_user")
    client.sign_in(officer)
    shown_then = board_ids(client)
    time.sleep(1.1)  # the moment falls cleanly between what was shown and what came after
    moment = datetime.now(LONDON).replace(microsecond=0)
    time.sleep(1.1)
    client.post_form("/sign-out")

    # Afterwards, the provider withdraws one of its vacancies.
    client.sign_in(provider)
    own = re.findall(r'href="/our-vacancies/([0-9a-f-]{36})"',
                     client.get("/our-vacancies/").get_data(as_text=True))
    assert client.post_form(f"/our-vacancies/{own[0]}/withdraw").status_code == 302
    client.post_form("/sign-out")
    client.sign_in(officer)
    assert own[0] not in board_ids(client)
    client.post_form("/sign-out")

    if not from_start:  # a snapshot taken now must not leak the later state into the past
        from projections.timetravel import take_snapshot

        services = app.extensions["portal"]
        for projection in services.projections.projections.values():
            take_snapshot(services.engine, projection, services.snapshot_key)

    client.sign_in(account_for("auditor"))
    extra = {"from_start": "yes"} if from_start else {}
    page = client.get(as_at_query(moment, **extra)).get_data(as_text=True)
    assert "Vacancy board as at" in page
    assert set(re.findall(r'data-vacancy="([0-9a-f-]{36})"', page)) == shown_then
    assert own[0] in shown_then


@pytest.mark.parametrize(("query", "message"), [
    ("?view=vacancy_board&date-day=1&date-month=1&date-year=2001", "is before it"),
    ("?view=vacancy_board&date-day=1&date-month=1&date-year=2999", "is in the future"),
    ("?view=vacancy_board&date-day=31&date-month=2&date-year=2026", "Date must be a real date"),
    ("?view=vacancy_board&date-day=1&date-month=&date-year=2026", "must include a day, month"),
    ("?view=vacancy_board&date-day=&date-month=&date-year=", "Enter the date"),
    ("?view=vacancy_board&date-day=1&date-month=1&date-year=2026&time=25:00",
     "Enter a time like 09:30"),
    ("?view=tenders&date-day=1&date-month=1&date-year=2026", "Choose a view from the list"),
])
def test_moments_outside_the_history_and_bad_input_get_clear_messages(client, query, message):
    client.sign_in(account_for("auditor"))
    response = client.get(f"/audit/as-at/{query}")
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)


@pytest.mark.parametrize("role", ["council_officer", "provider_user", "platform_admin"])
def test_only_auditors_travel_in_time(client, role):
    client.sign_in(account_for(role))
    assert client.get("/audit/as-at/").status_code == 403


def test_auditors_see_the_public_key_and_download_the_checkpoints(app, client):
    import json as json_

    from projections.audit.signing import public_key_text

    services = app.extensions["portal"]
    head = services.portal.last_position()
    # The web process signs as it catches up at the first request (a checkpoint a batch),
    # before the sign-in (itself an event) is recorded; then one after each command.
    client.sign_in(account_for("auditor"))
    page = client.get("/audit/checkpoints/").get_data(as_text=True)
    key = public_key_text(services.checkpoints.key.public_key)
    assert f'<code id="public-key">{key}</code>' in page
    download = client.get("/audit/checkpoints/checkpoints.jsonl")
    assert download.mimetype == "application/x-ndjson"
    sizes = [json_.loads(line)["tree_size"] for line in
             download.get_data(as_text=True).splitlines()]
    assert head in sizes
    assert sizes[-1] == services.portal.last_position() > head  # no unsigned tail
    client.post_form("/sign-out")
    client.sign_in(account_for("council_officer"))
    assert client.get("/audit/checkpoints/checkpoints.jsonl").status_code == 403
