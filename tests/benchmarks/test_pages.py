"""Page timings through the Flask test client, with the demo region and ~20,000 more vacancies.

There is no stated target for pages yet: this reports median and p95 server-side times (the
WSGI app, its queries and templates; no network, no browser) and asserts only that each page
answers 200.
"""

from __future__ import annotations

import re
import time

import pytest
import sqlalchemy as sa

from portal import create_app
from portal.config import Settings
from portal.demo.loader import demo_accounts
from projections.vacancies import provider_vacancies, vacancy_board
from tests.benchmarks.helpers import summary_ms
from tests.html_checks import CheckedClient

REQUESTS = 30
WARM_UP = 3
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')



def _first_officers_search() -> str:
    """The home search page of the demo search of the council the benchmark signs in as."""
    from domain.organisation import authority_id
    from portal.demo.home_searches import SEARCHES, home_search_id

    officer = next(a for a in demo_accounts() if a.role == "council_officer")
    search = next(s for s in SEARCHES if authority_id(s.la_code) == officer.organisation_id)
    return f"/home-searches/{home_search_id(search)}"


# An htmx request for the board's results (a filter changed, a page turned): the fragment alone.
HTMX_RESULTS = {"HX-Request": "true", "HX-Target": "results"}

PAGES = [
    ("council officer: vacancy board", "council_officer", "/vacancies/"),
    ("council officer: board results (htmx)", "council_officer", ("/vacancies/", HTMX_RESULTS)),
    ("council officer: board by fee, page 3 (htmx)", "council_officer",
     ("/vacancies/?sort=fee&page=3", HTMX_RESULTS)),
    ("council officer: filtered, sorted, page 3", "council_officer",
     "/vacancies/?setting_type=childrens_home&age=12&max_weekly_fee=5000&sort=fee&page=3"),
    ("council officer: home searches", "council_officer", "/home-searches/"),
    ("council officer: a home search, ranked matches", "council_officer",
     _first_officers_search()),
    ("provider: our vacancies", "provider_user", "/our-vacancies/"),
    ("anyone: health check", None, "/healthz"),
]


@pytest.fixture(scope="module")
def bench_app(projected_board, tmp_path_factory):
    settings = Settings.from_environment(
        database_url=f"sqlite:///{projected_board.path}", secret_key="benchmark-secret-key",
        instance=tmp_path_factory.mktemp("instance"), projections_inline=True,
        secure_cookies=False)
    application = create_app(settings, services=projected_board.services)
    application.config.update(TESTING=True, RATELIMIT_ENABLED=False)
    return application


def signed_in(app, role: str | None):
    client = app.test_client()
    if role is None:
        return client, None
    account = next(a for a in demo_accounts() if a.role == role)
    page = client.get("/sign-in").get_data(as_text=True)
    response = client.post("/sign-in", data={
        "csrf_token": CSRF.search(page).group(1), "email": account.email,
        "password": account.password})
    assert response.status_code == 302, f"sign-in as {account.email} failed"
    if response.headers["Location"].endswith("/sign-in/code"):
        page = client.get("/sign-in/code").get_data(as_text=True)
        response = client.post("/sign-in/code", data={
            "csrf_token": CSRF.search(page).group(1),
            "code": CheckedClient.totp_code(client, account)})
        assert response.status_code == 302, f"second factor for {account.email} refused"
    return client, account


def test_page_timings(bench_app, projected_board, results):
    engine = projected_board.services.engine
    timings: dict[str, dict[str, object]] = {}
    print(f"\n[pages] Flask test client, {REQUESTS} requests each after {WARM_UP} warm-up;"
          " server-side time only")
    # One sign-in per role: signing the same account in again within a code's 30 seconds
    # needs the next code, and a third the one after, which the portal rightly refuses.
    sessions: dict[str | None, tuple] = {}
    for label, role, page in PAGES:
        url, headers = page if isinstance(page, tuple) else (page, {})
        if role not in sessions:
            sessions[role] = signed_in(bench_app, role)
        client, account = sessions[role]
        for _ in range(WARM_UP):
            client.get(url, headers=headers)
        samples, statuses, size = [], set(), 0
        for _ in range(REQUESTS):
            started = time.perf_counter()
            response = client.get(url, headers=headers)
            samples.append(time.perf_counter() - started)
            statuses.add(response.status_code)
            size = len(response.get_data())
        stats = summary_ms(samples)
        timings[label] = {"url": url, "as": account.email if account else "anonymous",
                          "statuses": sorted(statuses), "bytes": size, **stats}
        print(f"  {label:<44} median {stats['median_ms']:>7.1f} ms  p95"
              f" {stats['p95_ms']:>7.1f} ms  {size / 1024:>6.0f} KiB  {sorted(statuses)}")

    provider = next(a for a in demo_accounts() if a.role == "provider_user")
    with engine.connect() as c:
        board_rows = c.execute(
            sa.select(sa.func.count()).select_from(vacancy_board)).scalar_one()
        own_rows = c.execute(
            sa.select(sa.func.count()).select_from(provider_vacancies)
            .where(provider_vacancies.c.provider_id == provider.organisation_id)).scalar_one()
    print(f"  volume: {board_rows:,} vacancies on the board; {provider.organisation} lists"
          f" {own_rows:,} of its own (/our-vacancies/ shows the open ones and 25 closed a page)")
    results["pages"] = {"requests_each": REQUESTS, "vacancy_board_rows": board_rows,
                        "provider_own_vacancies": own_rows, "timings": timings}

    for label, figures in timings.items():
        assert figures["statuses"] == [200], f"{label}: {figures['url']} answered" \
                                             f" {figures['statuses']}"
