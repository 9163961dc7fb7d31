"""Two web processes saving one form at once: each process its own app on the same
database (as two gunicorn workers), one signed-in session (two tabs), both forms opened at one
version and sent together (any edit form, by its address and fields; a vacancy's edit form has
its own helper). Used by the SQLite and PostgreSQL tests of optimistic concurrency through
forms."""

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


def _app(database_url: str, instance: str, secret_key: str, cookies: list):
    """A process's own app on the shared database, signed in with the shared session."""
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
    return app, client


def _send(database_url: str, instance: str, secret_key: str, cookies: list, url: str,
          form: dict[str, str], changed: str, typed: str, barrier, results) -> None:
    """Open the form at ``url`` (its idempotency key), wait for the other process, send
    ``form``; put (what was typed, status, told it changed, what was typed kept)."""
    app, client = _app(database_url, instance, secret_key, cookies)
    key = KEY.search(client.get(url).text).group(1)
    barrier.wait(timeout=120)
    response = client.post_form(url, {**form, "idempotency_key": key})
    page = response.get_data(as_text=True).replace("&#39;", "'")
    results.put((typed, response.status_code, changed in page, typed in page))
    app.extensions["portal"].close()


def send_in_two_processes(app, account, database_url: str, instance: str, url: str,
                          forms: list[tuple[dict[str, str], str]], changed: str) -> list[tuple]:
    """Two processes (as two gunicorn workers) send the form at ``url`` at once, each one of
    ``forms`` (the fields, and a piece of the page showing what was typed, e.g. 'value="8"');
    their outcomes: (what was typed, status, told ``changed``, what was typed kept). The
    person signs in once, here (an authenticator code is good for one sign-in), and both
    processes carry that session, as two tabs served by two workers."""
    from tests.html_checks import CheckedClient

    app.test_client_class = CheckedClient
    signed_in = app.test_client()
    signed_in.sign_in(account)
    cookies = [(c.key, c.value) for c in signed_in._cookies.values()]
    context = multiprocessing.get_context("spawn")
    barrier, results = context.Barrier(len(forms)), context.Queue()
    processes = [context.Process(target=_send, args=(
        database_url, instance, app.config["SECRET_KEY"], cookies, url, form, changed, typed,
        barrier, results))
        for form, typed in forms]
    for process in processes:
        process.start()
    outcomes = [results.get(timeout=300) for _ in processes]
    for process in processes:
        process.join(timeout=60)
        assert process.exitcode == 0
    return sorted(outcomes)


def save_in_two_processes(app, account, database_url: str, instance: str, vacancy: str,
                          setting_id: str, version: int) -> list[tuple]:
    """Both processes' outcomes saving one vacancy's edit form: (fee sent, status, told it
    changed, typed fee kept)."""
    outcomes = send_in_two_processes(
        app, account, database_url, instance, f"/our-vacancies/{vacancy}/edit",
        [(edit_form(setting_id, fee, version, ""), f'value="{fee}"') for fee in (6100, 6200)],
        CHANGED_VACANCY)
    return sorted((int(typed.split('"')[1]), status, told, kept)
                  for typed, status, told, kept in outcomes)
