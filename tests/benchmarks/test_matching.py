"""Matching one home search against a national-scale vacancy board, with a baseline measured in
the same run: reading the same open vacancy rows.

About 14,000 open vacancies at 9,000 settings of 1,500 providers across 150 authorities, each
authority with its own real postcode districts (the shipped ONS centroids), written straight
into the read-model tables: matching reads only those tables, so how the rows got there does
not change what is timed. The search is a common one (a children's home for a 13-year-old with
emotional and behavioural needs), so a few thousand vacancies pass its hard filters and are
scored. The baseline is what matching without the database's help would have to do first:
fetch every open vacancy from the board, with the columns matching reads (id, provider,
setting, kind, host authority, district, ages, needs, fee, places, availability), before
filtering a single one. A second, heavier baseline fetches the whole rows. The ratio of the
matching to the first is the figure to compare across machines; all are medians of ``RUNS``
runs after one warm-up. Nothing here asserts a time: the project sets no target.
"""

from __future__ import annotations

import random
import statistics
import time
from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid4, uuid5

import pytest
import sqlalchemy as sa

from domain.principal import Principal
from domain.vacancy import AVAILABLE
from domain.vocabulary import NEEDS
from portal.bootstrap import bootstrap
from projections.directory import organisations, settings
from projections.gazetteer import postcode_districts
from projections.home_searches import home_searches
from projections.matching import match_vacancies
from projections.placements import contracts
from projections.vacancies import vacancy_board
from tests.benchmarks.helpers import TODAY

AUTHORITIES = 150
PROVIDERS = 1_500
SETTINGS_PER_PROVIDER = 6
VACANCIES = 14_000
RUNS = 9
REGISTERED = datetime(2020, 1, 1, tzinfo=UTC)
KINDS = ["childrens_home"] * 5 + ["independent_fostering_agency"] * 2 + [
    "supported_accommodation"] * 2 + ["short_breaks", "parent_and_child"]


def _authorities(connection: sa.Connection, rng: random.Random) -> list[dict]:
    """150 authorities, each named after an ONS code of the shipped gazetteer, with its
    districts."""
    p = postcode_districts.c
    by_code: dict[str, list[str]] = {}
    for district, code in connection.execute(sa.select(p.district, p.la_ons_code)
                                             .order_by(p.la_ons_code, p.district)):
        by_code.setdefault(code, []).append(district)
    codes = [c for c in sorted(by_code) if c.startswith("E")][:AUTHORITIES]
    return [{"id": uuid5(UUID(int=0), f"la-{n}"), "kind": "authority",
             "name": f"Authority {n}", "la_code": f"{100 + n:03d}", "ons_code": code,
             "population_0_17": rng.randint(30_000, 300_000), "registered_at": REGISTERED,
             "districts": by_code[code]} for n, code in enumerate(codes)]


def _board(rng: random.Random, authorities: list[dict]):
    providers, setting_rows, vacancy_rows = [], [], []
    for n in range(PROVIDERS):
        provider = uuid4()
        providers.append({"id": provider, "kind": "provider", "name": f"Provider {n}",
                          "registered_at": REGISTERED})
        for s in range(SETTINGS_PER_PROVIDER):
            host = rng.choice(authorities)
            setting_rows.append({
                "id": uuid4(), "provider_id": provider, "name": f"Setting {n}-{s}",
                "setting_type": rng.choice(KINDS), "ofsted_urn": None,
                "host_authority_id": host["id"],
                "postcode_district": rng.choice(host["districts"]),
                "registered_places": rng.randint(1, 6)})
    published = datetime(2026, 11, 1, tzinfo=UTC)
    for n in range(VACANCIES):
        setting = rng.choice(setting_rows)
        age_from = 16 if setting["setting_type"] == "supported_accommodation" else \
            rng.randint(0, 14)
        vacancy_rows.append({
            "id": uuid4(), "provider_id": setting["provider_id"], "setting_id": setting["id"],
            "setting_type": setting["setting_type"],
            "host_authority_id": setting["host_authority_id"],
            "postcode_district": setting["postcode_district"], "age_from": age_from,
            "age_to": rng.randint(max(age_from, 12), 18),
            "needs": "|" + "|".join(sorted(rng.sample(sorted(NEEDS), rng.randint(1, 3)))) + "|",
            "weekly_fee": rng.randint(1_500, 9_000), "places": rng.randint(1, 3),
            "available_from": TODAY + timedelta(days=rng.randint(0, 60)), "expires_on": None,
            "description": f"Vacancy {n}", "status": AVAILABLE, "published_at": published,
            "changed_at": published})
    return providers, setting_rows, vacancy_rows


@pytest.fixture(scope="module")
def national_board(tmp_path_factory):
    services = bootstrap(f"sqlite:///{tmp_path_factory.mktemp('matching') / 'portal.db'}")
    rng = random.Random(11)
    with services.engine.begin() as c:
        authorities = _authorities(c, rng)
        c.execute(organisations.insert(), [{k: v for k, v in a.items() if k != "districts"}
                                           for a in authorities])
        providers, setting_rows, vacancy_rows = _board(rng, authorities)
        c.execute(organisations.insert(), providers)
        c.execute(settings.insert(), setting_rows)
        c.execute(vacancy_board.insert(), vacancy_rows)
        placing = authorities[0]
        for route, provider in (("block", providers[0]), ("framework", providers[1])):
            c.execute(contracts.insert().values(
                id=uuid4(), authority_id=placing["id"], provider_id=provider["id"],
                route=route, title=f"A {route}", setting_type="childrens_home",
                places=4 if route == "block" else None, weekly_price=4_800,
                start=TODAY - timedelta(days=100), end=TODAY + timedelta(days=300),
                terminated_on=None, tender_id=None))
        search_id = uuid4()
        c.execute(home_searches.insert().values(
            id=search_id, authority_id=placing["id"], child_ref="CAAAAAAAAAAA1",
            status="draft", urgency="planned", needed_by=TODAY + timedelta(days=7),
            latest_start=TODAY + timedelta(days=28), placement_types="|childrens_home|",
            age=13, sex="2", siblings=0, needs="|emotional_behavioural|",
            family_district=placing["districts"][0], school_district=None,
            stay_near_school=False, areas_to_avoid="", legal_status="C2", unfilled_reason=None,
            last_reason=None, drafted_by=None, drafted_at=REGISTERED, changed_at=REGISTERED,
            version=1))
    officer = Principal(user_id=uuid4(), email="", display_name="",
                        organisation_id=placing["id"], organisation_kind="authority",
                        organisation_name="", roles=frozenset({"council_officer"}))
    print(f"\n[set-up] {VACANCIES:,} open vacancies at {len(setting_rows):,} settings of "
          f"{PROVIDERS:,} providers across {len(authorities)} authorities")
    yield services, officer, search_id, len(authorities)
    services.close()


def _median_ms(function) -> tuple[float, object]:
    result = function()  # warm-up: the page cache and SQLAlchemy's statement cache
    samples = []
    for _ in range(RUNS):
        started = time.perf_counter()
        result = function()
        samples.append(time.perf_counter() - started)
    return round(statistics.median(samples) * 1000, 2), result


def test_matching_one_search_against_a_national_board(national_board, results):
    services, officer, search_id, authorities = national_board
    b = vacancy_board.c
    columns = (b.id, b.provider_id, b.setting_id, b.setting_type, b.host_authority_id,
               b.postcode_district, b.age_from, b.age_to, b.needs, b.weekly_fee, b.places,
               b.available_from)
    with services.engine.connect() as c:
        baseline_ms, rows = _median_ms(lambda: c.execute(
            sa.select(*columns).where(b.status == AVAILABLE)).all())
        whole_rows_ms, _ = _median_ms(lambda: c.execute(
            sa.select(vacancy_board).where(b.status == AVAILABLE)).all())
        matching_ms, found = _median_ms(lambda: match_vacancies(officer, c, search_id,
                                                                today=TODAY))
    # What was timed did the whole job: every open vacancy considered, the rest ranked.
    assert len(rows) == found.considered == VACANCIES
    assert found.matches and sum(found.excluded.values()) + len(found.matches) == VACANCIES
    scores = [m.score for m in found.matches]
    assert scores == sorted(scores, reverse=True)
    ratio = matching_ms / baseline_ms
    print(f"\nMatching one search against {VACANCIES:,} open vacancies ({authorities} "
          f"authorities): {matching_ms:,.1f} ms, {len(found.matches):,} ranked; reading the "
          f"same open vacancy rows: {baseline_ms:,.1f} ms (whole rows {whole_rows_ms:,.1f} "
          f"ms); ratio {ratio:.2f}x (median of {RUNS})")
    results["home_search_matching"] = {
        "open_vacancies": VACANCIES, "authorities": authorities,
        "matches_ranked": len(found.matches), "excluded": found.excluded,
        "matching_ms": matching_ms, "baseline_read_rows_ms": baseline_ms,
        "baseline_read_whole_rows_ms": whole_rows_ms,
        "ratio_to_baseline": round(ratio, 2), "runs": RUNS}
