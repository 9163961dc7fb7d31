"""The fixed words and checks of a joint tender: routes, stages, the timetable, lots, partners,
questionnaires and quality questions. Kept apart from the aggregate so it reads as its life.

Money is in whole pounds throughout, like contracts and vacancies. Deadlines are moments
(timezone-aware datetimes, judged by the server's clock); the other timetable entries are days.
"""

from __future__ import annotations

import functools
import itertools
from datetime import date, datetime, timedelta
from typing import Any
from uuid import UUID

import holidays

from domain.errors import DomainError
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


def clean_text(value: Any, message: str, field: str, *, limit: int = MAX_TEXT) -> str:
    text = (value or "").strip() if isinstance(value, str) or value is None else None
    require(text is not None and bool(text), message, field)
    require(len(text) <= limit, f"Use {limit:,} characters or fewer", field)
    return text


def check_money(value: Any, label: str, field: str) -> int:
    require(isinstance(value, int) and not isinstance(value, bool) and 0 < value <= MAX_VALUE,
            f"{label} must be a whole number of pounds between £1 and £{MAX_VALUE:,}", field)
    return value


def check_details(*, title: Any, description: Any, route: Any, estimated_annual_value: Any,
                  estimated_total_value: Any, term_months: Any) -> dict[str, Any]:
    details = {
        "title": clean_text(title, "Enter the tender's title", "title", limit=200),
        "description": clean_text(description, "Describe what the tender buys",
                                  "description"),
    }
    require(route in ROUTES, "Choose the route: market engagement only, framework, block "
            "contract or dynamic purchasing system", "route")
    annual = check_money(estimated_annual_value, "The estimated annual value",
                         "estimated_annual_value")
    total = check_money(estimated_total_value, "The estimated total value",
                        "estimated_total_value")
    require(total >= annual, "The estimated total value cannot be less than the annual value",
            "estimated_total_value")
    require(isinstance(term_months, int) and not isinstance(term_months, bool)
            and 1 <= term_months <= MAX_TERM_MONTHS,
            f"The term must be between 1 and {MAX_TERM_MONTHS} months", "term_months")
    return {**details, "route": route, "estimated_annual_value": annual,
            "estimated_total_value": total, "term_months": term_months}


def check_lots(lots: Any) -> list[dict[str, Any]]:
    """Lots in order; each gets the id ``"1"``, ``"2"``... by its place in the list."""
    require(isinstance(lots, list) and 1 <= len(lots) <= 30,
            "Add between 1 and 30 lots", "lots")
    checked = []
    names = set()
    for number, lot in enumerate(lots, start=1):
        where = f"Lot {number}"
        name = clean_text(lot.get("name"), f"{where}: enter the lot's name", "lots", limit=200)
        require(name.casefold() not in names, f"{where}: another lot is called {name}", "lots")
        names.add(name.casefold())
        require(lot.get("setting_type") in SETTING_TYPES,
                f"{where}: choose the kind of placement the lot buys", "lots")
        area = clean_text(lot.get("area"), f"{where}: enter the area the lot covers", "lots",
                          limit=200)
        places = lot.get("places")
        require(places is None or (isinstance(places, int) and 1 <= places <= MAX_PLACES),
                f"{where}: places must be between 1 and {MAX_PLACES}", "lots")
        age_from, age_to = lot.get("age_from", 0), lot.get("age_to", 17)
        require(isinstance(age_from, int) and isinstance(age_to, int)
                and 0 <= age_from <= age_to <= MAX_AGE,
                f"{where}: ages must run from 0 to {MAX_AGE}, youngest first", "lots")
        needs = list(lot.get("needs") or [])
        unknown = sorted(set(needs) - set(NEEDS))
        require(not unknown, f"{where}: unknown needs: {', '.join(unknown)}", "lots")
        checked.append({"lot_id": str(number), "name": name,
                        "setting_type": lot["setting_type"], "area": area, "places": places,
                        "age_from": age_from, "age_to": age_to, "needs": sorted(set(needs))})
    return checked


def check_partners(partners: Any, lead_authority_id: UUID) -> list[dict[str, Any]]:
    """Partners (the lead among them), each with its share of the estimated total value."""
    require(isinstance(partners, list) and partners, "Add the partner authorities", "partners")
    seen: set[UUID] = set()
    checked = []
    for partner in partners:
        authority = partner.get("authority_id")
        require(isinstance(authority, UUID), "Choose each partner authority", "partners")
        require(authority not in seen, "Each partner authority can be named only once",
                "partners")
        seen.add(authority)
        share = partner.get("share")
        require(isinstance(share, int) and not isinstance(share, bool)
                and 0 <= share <= MAX_VALUE,
                "Each partner's share must be a whole number of pounds, £0 or more",
                "partners")
        checked.append({"authority_id": authority, "share": share})
    require(lead_authority_id in seen,
            "The lead authority must be one of the partners, with its own share", "partners")
    return checked


def check_timetable(timetable: Any) -> dict[str, date | datetime]:
    require(isinstance(timetable, dict), "Enter the timetable", "timetable")
    unknown = sorted(set(timetable) - set(TIMETABLE))
    require(not unknown, f"Unknown timetable entries: {', '.join(unknown)}", "timetable")
    checked: dict[str, date | datetime] = {}
    for key, value in timetable.items():
        if value is None:
            continue
        if key in DEADLINES:
            require(isinstance(value, datetime) and value.tzinfo is not None,
                    f"{TIMETABLE[key]}: enter a date and time", key)
        else:
            require(isinstance(value, date) and not isinstance(value, datetime),
                    f"{TIMETABLE[key]}: enter a date", key)
        checked[key] = value
    ordered = [k for k in TIMETABLE if k in checked]
    for earlier, later in itertools.pairwise(ordered):
        require(_day(checked[earlier]) <= _day(checked[later]),
                f"{TIMETABLE[later]} cannot be before {TIMETABLE[earlier].lower()}", later)
    return checked


def _day(value: date | datetime) -> date:
    return value.date() if isinstance(value, datetime) else value


def check_questionnaire(questions: Any) -> list[dict[str, Any]]:
    """Market engagement questions: ``{"text", "kind", "options", "required"}``; each gets
    the id ``"q1"``, ``"q2"``... by its place in the list."""
    require(isinstance(questions, list) and 1 <= len(questions) <= MAX_QUESTIONS,
            f"Add between 1 and {MAX_QUESTIONS} questions", "questions")
    checked = []
    for number, question in enumerate(questions, start=1):
        where = f"Question {number}"
        text = clean_text(question.get("text"), f"{where}: enter the question", "questions",
                          limit=1_000)
        kind = question.get("kind")
        require(kind in QUESTION_KINDS,
                f"{where}: choose free text, number, single or multiple choice", "questions")
        options = [str(o).strip() for o in (question.get("options") or []) if str(o).strip()]
        if kind in ("single", "multiple"):
            require(len(options) >= 2, f"{where}: give at least two options", "questions")
            require(len(set(options)) == len(options), f"{where}: options must differ",
                    "questions")
        else:
            require(not options, f"{where}: only choice questions have options", "questions")
        checked.append({"question_id": f"q{number}", "text": text, "kind": kind,
                        "options": options, "required": bool(question.get("required"))})
    return checked


def check_answers(questions: list[dict[str, Any]], answers: Any) -> dict[str, Any]:
    """A provider's answers, checked against the questionnaire: required ones given, numbers
    numeric, choices among the options. Blank answers to optional questions are dropped."""
    require(isinstance(answers, dict), "Answer the questions", "answers")
    known = {q["question_id"]: q for q in questions}
    unknown = sorted(set(answers) - set(known))
    require(not unknown, f"There is no question {', '.join(unknown)}", "answers")
    checked: dict[str, Any] = {}
    for question_id, question in known.items():
        value = answers.get(question_id)
        blank = value is None or value == "" or value == []
        if blank:
            require(not question["required"], f"Answer: {question['text']}", question_id)
            continue
        kind = question["kind"]
        if kind == "text":
            checked[question_id] = clean_text(value, f"Answer: {question['text']}",
                                              question_id)
        elif kind == "number":
            require(isinstance(value, int | float) and not isinstance(value, bool)
                    and abs(value) <= MAX_VALUE,
                    f"Enter a number for: {question['text']}", question_id)
            checked[question_id] = value
        elif kind == "single":
            require(value in question["options"],
                    f"Choose one of the options for: {question['text']}", question_id)
            checked[question_id] = value
        else:
            require(isinstance(value, list) and value
                    and set(value) <= set(question["options"]),
                    f"Choose from the options for: {question['text']}", question_id)
            checked[question_id] = [o for o in question["options"] if o in value]
    return checked


def check_quality_questions(questions: Any) -> list[dict[str, Any]]:
    """Quality questions bidders answer: ``{"text", "weight"}``; each gets the id ``"Q1"``...
    A question's weight is its share of the quality score, in whole per cent adding to 100."""
    require(isinstance(questions, list) and 1 <= len(questions) <= 30,
            "Add between 1 and 30 quality questions", "quality_questions")
    checked = []
    for number, question in enumerate(questions, start=1):
        text = clean_text(question.get("text"), f"Quality question {number}: enter it",
                          "quality_questions", limit=1_000)
        weight = question.get("weight")
        require(isinstance(weight, int) and 1 <= weight <= 100,
                f"Quality question {number}: give a weight from 1 to 100",
                "quality_questions")
        checked.append({"question_id": f"Q{number}", "text": text, "weight": weight})
    require(sum(q["weight"] for q in checked) == 100,
            "The quality questions' weights must add up to 100", "quality_questions")
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
