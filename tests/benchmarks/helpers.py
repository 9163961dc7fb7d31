"""What the benchmarks share: timing statistics, synthetic vacancy history, profile breakdowns.

Nothing here asserts: the benchmark modules measure, print and record, and assert only the
project's stated targets.
"""

from __future__ import annotations

import cProfile
import math
import pstats
import random
import statistics
import time
from collections.abc import Callable, Iterable, Sequence
from datetime import date, timedelta
from uuid import UUID

from domain.actor import Actor
from domain.organisation import Setting
from domain.vacancy import Vacancy
from domain.vocabulary import NEEDS
from portal.bootstrap import bootstrap
from portal.services.application import Portal

TODAY = date(2026, 11, 23)
SETTINGS_PER_PROVIDER = 10  # the demo region's providers run 9.5 settings on average
SAVE_BATCH = 500  # aggregates per direct save (one transaction) when generating history


# --- timing ---------------------------------------------------------------------------------

def timed(function: Callable[[], object]) -> tuple[float, object]:
    started = time.perf_counter()
    result = function()
    return time.perf_counter() - started, result


def percentile(samples: Sequence[float], fraction: float) -> float:
    """Nearest-rank percentile (p95 of 30 samples is the 29th smallest)."""
    ordered = sorted(samples)
    rank = max(1, math.ceil(fraction * len(ordered)))
    return ordered[rank - 1]


def summary_ms(samples: Sequence[float]) -> dict[str, float]:
    ms = [s * 1000 for s in samples]
    return {"median_ms": round(statistics.median(ms), 2), "p95_ms": round(percentile(ms, 0.95), 2),
            "min_ms": round(min(ms), 2), "max_ms": round(max(ms), 2), "requests": len(ms)}


# --- synthetic history ----------------------------------------------------------------------

def plausible_terms(rng: random.Random, setting: Setting) -> dict:
    """Terms a provider might publish at this setting (always valid for the domain rules)."""
    if setting.setting_type == "supported_accommodation":
        age_from, age_to = 16, rng.randint(17, 21)
    else:
        age_from = rng.randint(0, 14)
        age_to = rng.randint(max(age_from, 12), 18)
    return dict(
        age_from=age_from, age_to=age_to,
        needs_met=rng.sample(sorted(NEEDS), rng.randint(0, 3)),
        weekly_fee=rng.randint(1_500, 9_000),
        available_from=TODAY + timedelta(days=rng.randint(0, 90)),
        expires_on=None,
        description="A place offered for the benchmarks; synthetic, never about a child.",
    )


def vacancy_history(portal: Portal, settings: Sequence[tuple[UUID, Setting]], count: int,
                    *, seed: int, events_per_vacancy: int = 0) -> int:
    """Publish ``count`` vacancies spread over ``settings`` and give each a short life.

    Saved directly through the portal application in batches (fast: many aggregates per
    transaction), so a large log is quick to make. Each vacancy is published, then:
    ``events_per_vacancy == 0``: alternately updated (2 events) or held and released (3 events);
    ``events_per_vacancy == 4``: updated, held and released (4 events).
    Returns the number of events stored.
    """
    rng = random.Random(seed)
    actor = Actor.system()
    stored = 0
    batch: list[Vacancy] = []
    for i in range(count):
        provider_id, setting = settings[i % len(settings)]
        vacancy = Vacancy.publish(provider_id=provider_id, setting=setting, actor=actor,
                                  **plausible_terms(rng, setting))
        if events_per_vacancy == 4 or i % 2 == 0:
            vacancy.update(setting, actor=actor, weekly_fee=vacancy.weekly_fee + 100,
                           reason="Fee reviewed")
        if events_per_vacancy == 4 or i % 2 == 1:
            vacancy.hold(home_search_ref=f"HS-{seed}-{i}", actor=actor)
            vacancy.release(actor=actor, reason="Home search closed")
        batch.append(vacancy)
        if len(batch) == SAVE_BATCH or i == count - 1:
            stored += len(portal.save(*batch))  # one recording per stored event
            batch = []
    return stored


class PortalWriter:
    """One authority, one provider with several settings, and vacancies published there."""

    def __init__(self, path) -> None:
        self.services = bootstrap(f"sqlite:///{path}")
        self.portal = self.services.portal
        self.actor = Actor.system()
        self.rng = random.Random(7)
        authority, _ = self.portal.register_authority(
            self.actor, la_code="835", ons_code="E06000059", name="Dorset",
            population_0_17=72_000, partnerships=["South West"],
            key_decision_threshold=500_000)
        self.provider, _ = self.portal.register_provider(
            self.actor, name="Benchmark Homes Ltd", kind="childrens_home_operator")
        self.settings = []
        for n in range(SETTINGS_PER_PROVIDER):
            setting_id, _ = self.portal.add_setting(
                self.actor, self.provider, name=f"Benchmark House {n}",
                setting_type="childrens_home", ofsted_urn=None, host_authority_id=authority,
                postcode_district="DT1", registered_places=4)
            self.settings.append(setting_id)
        self.setting_objects = self.portal.get_provider(self.provider).settings
        self.published: list[UUID] = []

    def terms(self, count: int) -> list[tuple[UUID, dict]]:
        """The next ``count`` vacancies' settings and terms: the benchmark's input, made
        before a timed publish, as the baseline's events are."""
        return [(setting_id, plausible_terms(self.rng, self.setting_objects[setting_id]))
                for setting_id in (self.settings[i % len(self.settings)] for i in range(count))]

    def publish(self, count: int) -> None:
        self.publish_terms(self.terms(count))

    def publish_terms(self, vacancies: list[tuple[UUID, dict]]) -> None:
        for setting_id, terms in vacancies:
            vacancy_id, _ = self.portal.publish_vacancy(
                self.actor, provider_id=self.provider, setting_id=setting_id, today=TODAY,
                **terms)
            self.published.append(vacancy_id)

    def update(self, vacancy_ids: list[UUID]) -> None:
        for i, vacancy_id in enumerate(vacancy_ids):
            self.portal.update_vacancy(
                self.actor, vacancy_id, reason="Fee reviewed", weekly_fee=9_500 + i % 500,
                available_from=TODAY + timedelta(days=100 + i % 30), today=TODAY)


def all_settings(portal: Portal, provider_ids: Iterable[UUID]) -> list[tuple[UUID, Setting]]:
    found = []
    for pid in provider_ids:
        provider = portal.get_provider(pid)
        found += [(pid, s) for s in provider.settings.values()]
    return found


# --- profiles -------------------------------------------------------------------------------

def profile(function: Callable[[], object]) -> tuple[pstats.Stats, float]:
    profiler = cProfile.Profile()
    started = time.perf_counter()
    profiler.enable()
    function()
    profiler.disable()
    return pstats.Stats(profiler), time.perf_counter() - started


Matcher = Callable[[str, str], bool]


def in_file(path_part: str, *names: str) -> Matcher:
    return lambda filename, name: path_part in filename and name in names


def builtin(text: str) -> Matcher:
    return lambda filename, name: filename == "~" and text in name


def breakdown(stats: pstats.Stats, parts: dict[str, Matcher]) -> dict[str, dict[str, float]]:
    """Cumulative seconds and share of the profiled total for each named part.

    A part sums the cumulative time of every function it matches; parts may nest (SQLAlchemy
    execute contains the DBAPI execute), so shares need not add up to 100%.
    """
    total = stats.total_tt  # type: ignore[attr-defined]
    found: dict[str, dict[str, float]] = {}
    for label, matches in parts.items():
        seconds = 0.0
        calls = 0
        for (filename, _line, name), (_cc, nc, _tt, ct, _callers) in stats.stats.items():  # type: ignore[attr-defined]
            if matches(filename, name):
                seconds += ct
                calls += nc
        found[label] = {"seconds": round(seconds, 3), "share": round(seconds / total, 3),
                        "calls": calls}
    return found


def top_functions(stats: pstats.Stats, n: int = 12) -> list[dict[str, object]]:
    """The functions with the most time of their own: where the interpreter actually is."""
    rows = []
    for (filename, line, name), (_cc, nc, tt, ct, _c) in stats.stats.items():  # type: ignore[attr-defined]
        short = filename.split("site-packages/")[-1].split("/work/main/")[-1]
        rows.append({"function": f"{short}:{line}({name})", "own_s": round(tt, 3),
                     "cumulative_s": round(ct, 3), "calls": nc})
    rows.sort(key=lambda r: r["own_s"], reverse=True)  # type: ignore[arg-type, return-value]
    return rows[:n]
