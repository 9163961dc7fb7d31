"""The fixed words and checks of a joint tender: routes, stages, the timetable, lots, partners,
questionnaires and quality questions. Kept apart from the aggregate so it reads as its life.

Money is in whole pounds throughout, like contracts and vacancies. Deadlines are moments
(timezone-aware datetimes, judged by the server's clock); the other timetable entries are days.
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any
from uuid import UUID

import holidays

from domain.errors import DomainError, NotFound, PermissionDenied, Refused
from domain.vocabulary import MAX_AGE, NEEDS, SETTING_TYPES

ROUTES: dict[str, str] = {
    "market_engagement_only": "Market engagement only",
    "framework": "Framework",
    "block_contract": "Block contract",
    "dynamic_purchasing_system": "Dynamic purchasing system",
}

# The contract route (domain.vocabulary.CONTRACT_ROUTES) an award under each tender route makes.
CONTRACT_ROUTE = {"framework": "framework", "dynamic_purchasing_system": "framework",
                  "block_contract": "block"}

STAGES: dict[str, str] = {
    "draft": "Draft",
    "market_engagement": "Market engagement",
    "engagement_concluded": "Market engagement concluded",
    "invitation_to_tender": "Invitation to tender",
    "evaluation": "Evaluation",
    "awarded": "Awarded (standstill)",
    "contracted": "Contracted",
    "cancelled": "Cancelled",
}

# The legal stage transitions: stage -> stages it may move to next.
TRANSITIONS: dict[str, frozenset[str]] = {
    "draft": frozenset({"market_engagement", "invitation_to_tender", "cancelled"}),
    "market_engagement": frozenset({"engagement_concluded", "invitation_to_tender",
                                    "cancelled"}),
    "engagement_concluded": frozenset(),
    "invitation_to_tender": frozenset({"evaluation", "cancelled"}),
    "evaluation": frozenset({"awarded", "cancelled"}),
    "awarded": frozenset({"contracted", "cancelled"}),
    "contracted": frozenset(),
    "cancelled": frozenset(),
}
CLOSED_STAGES = frozenset({"engagement_concluded", "contracted", "cancelled"})

# Timetable entries: the three deadlines are moments, the rest are days.
DEADLINES: dict[str, str] = {
    "engagement_closes": "Market engagement closes",
    "clarification_deadline": "Clarification questions deadline",
    "bid_deadline": "Bid deadline",
}
TIMETABLE: dict[str, str] = {
    "engagement_opens": "Market engagement opens",
    "engagement_closes": DEADLINES["engagement_closes"],
    "invitation_to_tender": "Invitation to tender",
    "clarification_deadline": DEADLINES["clarification_deadline"],
    "bid_deadline": DEADLINES["bid_deadline"],
    "evaluation_complete": "Evaluation complete",
    "award": "Award decision",
    "standstill_ends": "Standstill ends",
    "contract_start": "Contract starts",
}

QUESTION_KINDS: dict[str, str] = {
    "text": "Free text",
    "number": "Number",
    "single": "Single choice",
    "multiple": "Multiple choice",
}
MAX_QUESTIONS = 60
MAX_TEXT = 5_000
MAX_VALUE = 10_000_000_000  # £10bn: above any council's spend
MAX_TERM_MONTHS = 240
MAX_PLACES = 500
MAX_WEEKLY_PRICE = 50_000
MAX_SCORE = 5  # the usual 0-5 quality scale
STANDSTILL_WORKING_DAYS = 8  # Procurement Act 2023, s.51: at least eight working days


def require(condition: bool, message: str, field: str | None = None) -> None:
    if not condition:
        raise DomainError(message, field=field)


class Problems:
    """Every rule some terms break, by field (the first message for each), so a form shows
    them all at once: checks carry on past a broken rule, and :meth:`raise_any` refuses with
    every problem found (:class:`~domain.errors.Refused`)."""

    def __init__(self) -> None:
        self.found: dict[str, str] = {}

    def require(self, condition: bool, message: str, field: str | None = None) -> bool:
        if not condition:
            self.found.setdefault(field or "form", message)
        return bool(condition)

    def check(self, attempt: Callable[[], Any]) -> Any:
        """``attempt()``, its refusal recorded with the rest (None when refused). A missing
        record or a step the actor may not take is raised at once: it is no form's mistake."""
        try:
            return attempt()
        except (NotFound, PermissionDenied):
            raise
        except Refused as refused:
            for field, message in refused.errors.items():
                self.found.setdefault(field, message)
        except DomainError as error:
            self.found.setdefault(error.field or "form", error.message)
        return None

    def raise_any(self) -> None:
        if self.found:
            raise Refused(self.found)


def clean_text(value: Any, message: str, field: str, *, limit: int = MAX_TEXT,
               problems: Problems | None = None) -> str | None:
    """The text, stripped; with ``problems``, a refusal is recorded there (and None returned)
    rather than raised."""
    rules = problems or Problems()
    text = (value or "").strip() if isinstance(value, str) or value is None else None
    if rules.require(text is not None and bool(text), message, field):
        rules.require(len(text) <= limit, f"Use {limit:,} characters or fewer", field)
    if problems is None:
        rules.raise_any()
    return text if field not in rules.found else None


def _money(value: Any, label: str, field: str, problems: Problems) -> int | None:
    ok = problems.require(
        isinstance(value, int) and not isinstance(value, bool) and 0 < value <= MAX_VALUE,
        f"{label} must be a whole number of pounds between £1 and £{MAX_VALUE:,}", field)
    return value if ok else None


def check_money(value: Any, label: str, field: str) -> int:
    problems = Problems()
    checked = _money(value, label, field, problems)
    problems.raise_any()
    return checked


def check_details(*, title: Any, description: Any, route: Any, estimated_annual_value: Any,
                  estimated_total_value: Any, term_months: Any) -> dict[str, Any]:
    """The tender's details: every problem at once."""
    problems = Problems()
    details = {
        "title": clean_text(title, "Enter the tender's title", "title", limit=200,
                            problems=problems),
        "description": clean_text(description, "Describe what the tender buys",
                                  "description", problems=problems),
    }
    problems.require(route in ROUTES, "Choose the route: market engagement only, framework, "
                     "block contract or dynamic purchasing system", "route")
    annual = _money(estimated_annual_value, "The estimated annual value",
                    "estimated_annual_value", problems)
    total = _money(estimated_total_value, "The estimated total value",
                   "estimated_total_value", problems)
    if annual is not None and total is not None:
        problems.require(total >= annual,
                         "The estimated total value cannot be less than the annual value",
                         "estimated_total_value")
    problems.require(isinstance(term_months, int) and not isinstance(term_months, bool)
                     and 1 <= term_months <= MAX_TERM_MONTHS,
                     f"The term must be between 1 and {MAX_TERM_MONTHS} months", "term_months")
    problems.raise_any()
    return {**details, "route": route, "estimated_annual_value": annual,
            "estimated_total_value": total, "term_months": term_months}


def check_lots(lots: Any) -> list[dict[str, Any]]:
    """Lots in order; each gets the id ``"1"``, ``"2"``... by its place in the list. Every
    lot's first problem at once, each under ``lots.<number>``."""
    require(isinstance(lots, list) and 1 <= len(lots) <= 30,
            "Add between 1 and 30 lots", "lots")
    problems = Problems()
    checked = []
    names = set()
    for number, lot in enumerate(lots, start=1):
        where, field = f"Lot {number}", f"lots.{number}"
        name = clean_text(lot.get("name"), f"{where}: enter the lot's name", field, limit=200,
                          problems=problems)
        if name is not None:
            problems.require(name.casefold() not in names,
                             f"{where}: another lot is called {name}", field)
            names.add(name.casefold())
        problems.require(lot.get("setting_type") in SETTING_TYPES,
                         f"{where}: choose the kind of placement the lot buys", field)
        area = clean_text(lot.get("area"), f"{where}: enter the area the lot covers", field,
                          limit=200, problems=problems)
        places = lot.get("places")
        problems.require(places is None or (isinstance(places, int)
                                            and 1 <= places <= MAX_PLACES),
                         f"{where}: places must be between 1 and {MAX_PLACES}", field)
        age_from, age_to = lot.get("age_from", 0), lot.get("age_to", 17)
        problems.require(isinstance(age_from, int) and isinstance(age_to, int)
                         and 0 <= age_from <= age_to <= MAX_AGE,
                         f"{where}: ages must run from 0 to {MAX_AGE}, youngest first", field)
        needs = list(lot.get("needs") or [])
        unknown = sorted(set(needs) - set(NEEDS))
        problems.require(not unknown, f"{where}: unknown needs: {', '.join(unknown)}", field)
        checked.append({"lot_id": str(number), "name": name,
                        "setting_type": lot.get("setting_type"), "area": area,
                        "places": places, "age_from": age_from, "age_to": age_to,
                        "needs": sorted(set(needs))})
    problems.raise_any()
    return checked


def check_partners(partners: Any, lead_authority_id: UUID) -> list[dict[str, Any]]:
    """Partners (the lead among them), each with its share of the estimated total value:
    every problem at once."""
    require(isinstance(partners, list) and partners, "Add the partner authorities", "partners")
    problems = Problems()
    seen: set[UUID] = set()
    checked = []
    for partner in partners:
        authority = partner.get("authority_id")
        if problems.require(isinstance(authority, UUID), "Choose each partner authority",
                            "partners"):
            problems.require(authority not in seen,
                             "Each partner authority can be named only once", "partners")
            seen.add(authority)
        share = partner.get("share")
        problems.require(isinstance(share, int) and not isinstance(share, bool)
                         and 0 <= share <= MAX_VALUE,
                         "Each partner's share must be a whole number of pounds, £0 or more",
                         "shares")
        checked.append({"authority_id": authority, "share": share})
    problems.require(lead_authority_id in seen,
                     "The lead authority must be one of the partners, with its own share",
                     "lead")
    problems.raise_any()
    return checked


def timetable_problems(timetable: dict, problems: Problems) -> dict[str, date | datetime]:
    """The entries of ``timetable`` that are right, each problem recorded in ``problems``:
    each entry's kind (deadlines are moments, the rest dates), then their order."""
    checked: dict[str, date | datetime] = {}
    for key, value in timetable.items():
        if value is None or key not in TIMETABLE:
            continue
        if key in DEADLINES:
            ok = problems.require(isinstance(value, datetime) and value.tzinfo is not None,
                                  f"{TIMETABLE[key]}: enter a date and time", key)
        else:
            ok = problems.require(isinstance(value, date) and not isinstance(value, datetime),
                                  f"{TIMETABLE[key]}: enter a date", key)
        if ok:
            checked[key] = value
    ordered = [k for k in TIMETABLE if k in checked]
    for earlier, later in itertools.pairwise(ordered):
        problems.require(_day(checked[earlier]) <= _day(checked[later]),
                         f"{TIMETABLE[later]} cannot be before {TIMETABLE[earlier].lower()}",
                         later)
    return checked


def check_timetable(timetable: Any) -> dict[str, date | datetime]:
    require(isinstance(timetable, dict), "Enter the timetable", "timetable")
    unknown = sorted(set(timetable) - set(TIMETABLE))
    require(not unknown, f"Unknown timetable entries: {', '.join(unknown)}", "timetable")
    problems = Problems()
    checked = timetable_problems(timetable, problems)
    problems.raise_any()
    return checked


def _day(value: date | datetime) -> date:
    return value.date() if isinstance(value, datetime) else value


def check_questionnaire(questions: Any) -> list[dict[str, Any]]:
    """Market engagement questions: ``{"text", "kind", "options", "required"}``; each gets
    the id ``"q1"``, ``"q2"``... by its place in the list. Every question's first problem at
    once, each under ``questions.<number>``."""
    require(isinstance(questions, list) and 1 <= len(questions) <= MAX_QUESTIONS,
            f"Add between 1 and {MAX_QUESTIONS} questions", "questions")
    problems = Problems()
    checked = []
    for number, question in enumerate(questions, start=1):
        where, field = f"Question {number}", f"questions.{number}"
        text = clean_text(question.get("text"), f"{where}: enter the question", field,
                          limit=1_000, problems=problems)
        kind = question.get("kind")
        problems.require(kind in QUESTION_KINDS,
                         f"{where}: choose free text, number, single or multiple choice", field)
        options = [str(o).strip() for o in (question.get("options") or []) if str(o).strip()]
        if kind in ("single", "multiple"):
            problems.require(len(options) >= 2, f"{where}: give at least two options", field)
            problems.require(len(set(options)) == len(options),
                             f"{where}: options must differ", field)
        else:
            problems.require(not options, f"{where}: only choice questions have options",
                             field)
        checked.append({"question_id": f"q{number}", "text": text, "kind": kind,
                        "options": options, "required": bool(question.get("required"))})
    problems.raise_any()
    return checked


def check_answers(questions: list[dict[str, Any]], answers: Any) -> dict[str, Any]:
    """A provider's answers, checked against the questionnaire: required ones given, numbers
    numeric, choices among the options; every question's problem at once, by its id. Blank
    answers to optional questions are dropped."""
    require(isinstance(answers, dict), "Answer the questions", "answers")
    known = {q["question_id"]: q for q in questions}
    unknown = sorted(set(answers) - set(known))
    require(not unknown, f"There is no question {', '.join(unknown)}", "answers")
    problems = Problems()
    checked: dict[str, Any] = {}
    for question_id, question in known.items():
        value = answers.get(question_id)
        blank = value is None or value == "" or value == []
        if blank:
            problems.require(not question["required"], f"Answer: {question['text']}",
                             question_id)
            continue
        kind = question["kind"]
        if kind == "text":
            text = clean_text(value, f"Answer: {question['text']}", question_id,
                              problems=problems)
            if text is not None:
                checked[question_id] = text
        elif kind == "number":
            if problems.require(isinstance(value, int | float) and not isinstance(value, bool)
                                and abs(value) <= MAX_VALUE,
                                f"Enter a number for: {question['text']}", question_id):
                checked[question_id] = value
        elif kind == "single":
            if problems.require(value in question["options"],
                                f"Choose one of the options for: {question['text']}",
                                question_id):
                checked[question_id] = value
        elif problems.require(isinstance(value, list) and value
                              and set(value) <= set(question["options"]),
                              f"Choose from the options for: {question['text']}", question_id):
            checked[question_id] = [o for o in question["options"] if o in value]
    problems.raise_any()
    return checked


def check_quality_questions(questions: Any) -> list[dict[str, Any]]:
    """Quality questions bidders answer: ``{"text", "weight"}``; each gets the id ``"Q1"``...
    A question's weight is its share of the quality score, in whole per cent adding to 100.
    Every question's first problem at once, each under ``quality_questions.<number>``."""
    require(isinstance(questions, list) and 1 <= len(questions) <= 30,
            "Add between 1 and 30 quality questions", "quality_questions")
    problems = Problems()
    checked = []
    for number, question in enumerate(questions, start=1):
        field = f"quality_questions.{number}"
        text = clean_text(question.get("text"), f"Quality question {number}: enter it",
                          field, limit=1_000, problems=problems)
        weight = question.get("weight")
        problems.require(isinstance(weight, int) and 1 <= weight <= 100,
                         f"Quality question {number}: give a weight from 1 to 100", field)
        checked.append({"question_id": f"Q{number}", "text": text, "weight": weight})
    if not problems.found:
        problems.require(sum(q["weight"] for q in checked) == 100,
                         "The quality questions' weights must add up to 100",
                         "quality_questions")
    problems.raise_any()
    return checked


# The Procurement Act 2023 counts working days without weekends, Christmas Day, Good Friday
# and bank holidays in any part of the United Kingdom (s.123). A standstill is a minimum, so
# every nation's bank and public holidays are left out, as python-holidays lists them (with
# substitute days and one-off holidays): a holiday in one nation only lengthens it, never
# shortens it.
UK_NATIONS = ("ENG", "NIR", "SCT", "WLS")


@functools.cache
def uk_holidays(year: int) -> frozenset[date]:
    """Every day that is a bank or public holiday somewhere in the UK in ``year``."""
    days: set[date] = set()
    for nation in UK_NATIONS:
        days.update(holidays.country_holidays("GB", subdiv=nation, years=year))
    return frozenset(days)


def is_working_day(day: date) -> bool:
    return day.weekday() < 5 and day not in uk_holidays(day.year)


def add_working_days(day: date, days: int) -> date:
    """The ``days``-th working day after ``day``."""
    while days:
        day += timedelta(days=1)
        if is_working_day(day):
            days -= 1
    return day


def add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    leap = year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
    last = [31, 29 if leap else 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]
    return date(year, month, min(day.day, last))
