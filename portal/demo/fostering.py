"""The demo region's in-house fostering: monthly fostering returns for every demo authority from
November 2024 to the last month ended by the demo's day (two years on the demo's day; a
later day adds the months since, leaving the earlier ones as they were).

Invented but plausible figures, scaled by each authority's population aged 0 to 17: about one
mainstream fostering household for every 700 children, a quarter as many kinship households,
a few parent and child and short-break carers, places used at 75 to 90%, and a pipeline in
which about one enquiry in eight becomes an approval, with resignations close to approvals (as
councils' reports describe: recruitment barely keeps pace with carers leaving). Each month's
variation is fixed by a hash of the authority and month, so the figures are the same every
time. Each authority's months are imported through the same use case as the page's upload,
in one save.
"""

from __future__ import annotations

import hashlib
from datetime import date, timedelta

from domain.actor import Actor
from domain.fostering import FIELDS, RESIGNATION_REASONS
from domain.organisation import authority_id
from portal.demo import region

FIRST_MONTH = date(2024, 11, 1)
FILE_NAME = "demo-fostering-returns.csv"
# How resignations split by reason, most often retirement and changes in circumstances.
REASON_WEIGHTS = (("retired", 3), ("circumstances", 3), ("to_agency", 2), ("permanence", 1),
                  ("dissatisfied", 1), ("to_authority", 1), ("deregistered", 1), ("other", 1))


def _wobble(key: str, low: float, high: float) -> float:
    """A number from ``low`` to ``high`` fixed by ``key``."""
    raw = int.from_bytes(hashlib.sha256(key.encode()).digest()[:4], "big") / 2**32
    return low + (high - low) * raw


def _months(today: date) -> list[date]:
    """The first days of the months from FIRST_MONTH to the last one ended by ``today``."""
    last = (today.replace(day=1) - timedelta(days=1)).replace(day=1)
    months, month = [], FIRST_MONTH
    while month <= last:
        months.append(month)
        month = (month + timedelta(days=32)).replace(day=1)
    return months


def demo_returns(la_code: str, population: int, today: date) -> list[tuple[date, dict]]:
    """The authority's monthly returns, oldest first."""
    mainstream = round(population / 700)
    kinship = max(3, round(mainstream / 4))
    parent_and_child = max(1, round(population / 60_000))
    short_break = max(2, round(population / 20_000))
    returns = []
    for month in _months(today):
        key = f"{la_code}:{month:%Y-%m}"
        enquiries = max(2, round(mainstream / 6 * _wobble(key + "e", 0.6, 1.4)))
        applications = max(1, round(enquiries * _wobble(key + "a", 0.2, 0.35)))
        assessments = round(applications * _wobble(key + "s", 0.5, 0.9))
        approvals = round(assessments * _wobble(key + "p", 0.6, 1.0))
        leaving = round(approvals * _wobble(key + "r", 0.6, 1.5))
        resigned = dict.fromkeys(RESIGNATION_REASONS, 0)
        for n in range(leaving):
            pick = _wobble(f"{key}:{n}", 0, sum(w for _, w in REASON_WEIGHTS))
            for reason, weight in REASON_WEIGHTS:
                pick -= weight
                if pick < 0:
                    resigned[reason] += 1
                    break
        mainstream = max(1, mainstream + approvals - leaving)
        figures = dict.fromkeys(FIELDS, 0)
        for kind, households, per, use in (
                ("mainstream", mainstream, 1.7, (0.78, 0.9)),
                ("kinship", kinship, 1.2, (0.95, 1.0)),
                ("parent_and_child", parent_and_child, 1.0, (0.5, 1.0)),
                ("short_break", short_break, 1.3, (0.6, 0.85))):
            places = max(households, round(households * per))
            figures[f"households_{kind}"] = households
            figures[f"places_{kind}"] = places
            figures[f"in_use_{kind}"] = min(places, round(places * _wobble(key + kind, *use)))
        figures.update(enquiries=enquiries, applications=applications,
                       assessments=assessments, approvals=approvals,
                       **{f"resigned_{r}": n for r, n in resigned.items()})
        returns.append((month, figures))
    return returns


def load_fostering(portal, today: date) -> list[int | None]:
    """Import each demo authority's returns not yet imported: for each authority, the
    position of its save, or None when it had nothing new."""
    positions: list[int | None] = []
    for fact in region.AUTHORITIES:
        returns = demo_returns(fact.la_code, fact.population_0_17, today)
        if not returns:
            positions.append(None)
            continue
        done = portal.import_fostering_returns(
            Actor.system(), authority_id(fact.la_code), returns=returns,
            file_name=FILE_NAME, today=today)
        positions.append(done.position if done.recorded or done.corrected else None)
    return positions
