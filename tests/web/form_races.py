"""Two web processes saving one vacancy's form at once: each process its own app on the same
database (as two gunicorn workers), one signed-in session (two tabs), both forms opened at one
version and sent together. Used by the SQLite and PostgreSQL tests of optimistic concurrency
through forms."""

from __future__ import annotations

import multiprocessing
import re

from portal.form_keys import CHANGED

KEY = re.compile(r'name="idempotency_key" value="([^"]+)"')
CHANGED_VACANCY = CHANGED.format(what="This vacancy")


def edit_form(setting_id: str, weekly_fee: int, version: int, key: str) -> dict[str, str]:
    return {"setting_id": setting_id, "age_from": "9", "age_to": "15",
            "weekly_fee": str(weekly_fee), "places": "1", "available_from-day": "4",
            "available_from-month": "1", "available_from-year": "2027",
            "description": f"Saved with a fee of {weekly_fee}", "version": str(version),
            "idempotency_key": key}


def _save(database_url: str, instance: str, secret_key: str, cookies: list, vacancy: str,
          setting_id: str, version: int, weekly_fee: int, barrier, results) -> None:
    from pathlib import Path

    from portal import create_app
    from portal.config import Settings
    from tests.html_checks import CheckedClient

    settings = Settings.from_environment(
        database_url=database_url, secret_key=secret_key, instance=Path(instance),
        projections_inline=True, secure_cookies=False, portal_url="http://localhost")
    app = create_app(settings)
    app.config.update(TESTING=True, RATELIMIT_ENABLED=False)
    app.test_client_class = CheckedClient
    client = app.test_client()
    for key, value in cookies:  # the session is kept in the database: both processes see it
        client.set_cookie(key, value)
    key = KEY.search(client.get(f"/our-vacancies/{vacancy}/edit").text).group(1)
    barrier.wait(timeout=120)
    response = client.post_form(f"/our-vacancies/{vacancy}/edit",
                                edit_form(setting_id, weekly_fee, version, key))
    page = response.get_data(as_text=True).replace("&#39;", "'")
    results.put((weekly_fee, response.status_code, CHANGED_VACANCY in page,
                 f'value="{weekly_fee}"' in page))
    app.extensions["portal"].close()


def save_in_two_processes(app, account, database_url: str, instance: str, vacancy: str,
                          setting_id: str, version: int) -> list[tuple]:
    """Both processes' outcomes: (fee sent, status, told it changed, typed fee kept). The
    person signs in once, here (an authenticator code is good for one sign-in), and both
    processes carry that session, as two tabs served by two workers."""
    from tests.html_checks import CheckedClient

    app.test_client_class = CheckedClient
    signed_in = app.test_client()
    signed_in.sign_in(account)
    cookies = [(c.key, c.value) for c in signed_in._cookies.values()]
    context = multiprocessing.get_context("spawn")
    barrier, results = context.Barrier(2), context.Queue()
    processes = [context.Process(target=_save, args=(
        database_url, instance, app.config["SECRET_KEY"], cookies, vacancy, setting_id,
        version, fee, barrier, results))
        for fee in (6100, 6200)]
    for process in processes:
        process.start()
    outcomes = [results.get(timeout=300) for _ in processes]
    for process in processes:
        process.join(timeout=60)
        assert process.exitcode == 0
    return sorted(outcomes)
