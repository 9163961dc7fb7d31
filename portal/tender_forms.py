"""Turning the joint tender forms into a command's terms, and saved records back into form
values.

Views stay thin: they call one of these parsers, each giving a :class:`FormResult` whose data
are the command's terms (or, on errors, what was typed), and run one command. The fields are
loaded with the schemas of :mod:`portal.tender_schemas`; what only the whole form can tell
(rows that add up, choices from the lists offered) is checked here; the domain checks the rest.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any
from uuid import UUID

from werkzeug.datastructures import MultiDict

from domain.bid import check_bid
from domain.tender_terms import MAX_VALUE, TIMETABLE, Problems, check_answers
from portal.forms import FormResult, load, text
from portal.tender_schemas import (
    AwardSchema,
    BidSchema,
    ContractSchema,
    EvaluationSchema,
    KeyDecisionSchema,
    PanelSchema,
    QualityQuestionSchema,
    QuestionSchema,
    day,
    load_row,
    options_list,
    rows,
)

# A domain rule names a fact; the forms show some under another field.
FIELD_OF = {"bid_id": "bid", "lot_id": "lot"}
# Date inputs: an error links to the day box.
DATES = ("taken_on", "standstill_ends", "start", "end", *TIMETABLE)


# A problem with one row of a form's repeated rows (``lots.2``) goes beside that row's first
# field (``lot-2-name``).
ROWS = {"lots": ("lot", "name"), "questions": ("question", "text"),
        "quality_questions": ("quality", "text")}
# Problems with the partners as a whole link to the partners' shares.
ANCHOR_OF = {"lead": "partners", "shares": "partners"}


def form_field(field: str | None, fields: set[str], default: str) -> str:
    """The form field a domain rule's field is shown beside."""
    name = FIELD_OF.get(field or "", field or "")
    if name in fields:
        return name
    prefix, _, number = name.partition(".")
    if prefix in ROWS and number.isdigit():
        row, first = ROWS[prefix]
        return f"{row}-{number}-{first}"
    if name in ANCHOR_OF and ANCHOR_OF[name] in fields:
        return ANCHOR_OF[name]
    return default


def alongside(form: FormResult, checks: Iterable[Callable[[], Any]], fields: set[str],
              default: str) -> None:
    """The domain's own rules applied to what a form could read, their problems reported
    beside the form's field errors, so none waits for the next round trip (the command is not
    run while the form has errors). A field already in error keeps its own message."""
    problems = Problems()
    for check in checks:
        problems.check(check)
    for field, message in problems.found.items():
        name = form_field(field, fields, default)
        if name not in form.errors:
            form.errors[name] = message
            if name in DATES:
                form.anchors.setdefault(name, f"{name}-day")


QUESTION_FIELDS = ("text", "kind", "options", "required")
CHOICE_KINDS = ("single", "multiple")


def parse_questionnaire(form: MultiDict) -> tuple[FormResult, list[dict]]:
    """The market engagement questions (rows ``question-1-text``...): options, one a line, for
    choice questions only, and at least two of them. The form keeps what was typed."""
    errors: dict[str, str] = {}
    questions = []
    for number, raw in rows(form, "question", QUESTION_FIELDS):
        question = load_row(QuestionSchema(), raw, "question", number, errors)
        if question is None:
            continue
        options = options_list(question["options"])
        if question["kind"] in CHOICE_KINDS and len(options) < 2:
            errors[f"question-{number}-options"] = (
                f"Question {number}: give at least two options, one a line")
        elif question["kind"] not in CHOICE_KINDS and options:
            errors[f"question-{number}-options"] = (
                f"Question {number}: only choice questions have options")
        questions.append({**question, "options": options,
                          "required": bool(question["required"])})
    if not rows(form, "question", QUESTION_FIELDS):
        errors["question-1-text"] = "Add at least one question"
    return FormResult(data=form, errors=errors), questions


def questionnaire_values(questions: list[dict]) -> MultiDict:
    """A saved questionnaire as the rows of its form."""
    values = MultiDict({"question-count": str(max(1, len(questions)))})
    for number, question in enumerate(questions, start=1):
        values[f"question-{number}-text"] = question["text"]
        values[f"question-{number}-kind"] = question["kind"]
        values[f"question-{number}-options"] = "\n".join(question["options"])
        values[f"question-{number}-required"] = "yes" if question["required"] else ""
    return values


def parse_evaluation(form: MultiDict) -> tuple[FormResult, dict]:
    """The quality questions (rows ``quality-1-text``...), their weights adding up to 100, and
    the quality/price weights: the terms of ``set_evaluation``. The form keeps what was
    typed."""
    weights = load(EvaluationSchema(), form.to_dict())
    errors = dict(weights.errors)
    questions = []
    for number, raw in rows(form, "quality", ("text", "weight")):
        question = load_row(QualityQuestionSchema(), raw, "quality", number, errors)
        if question is not None:
            questions.append(question)
    if not rows(form, "quality", ("text", "weight")):
        errors["quality-1-text"] = "Add at least one quality question"
    elif questions and "quality-1-weight" not in errors \
            and sum(q["weight"] for q in questions) != 100:
        errors["quality-1-weight"] = "The quality questions' weights must add up to 100"
    result = FormResult(data=form, errors=errors,
                        anchors={"quality_questions": "quality-1-text", "route": "actions"})
    return result, {"quality_questions": questions, **weights.data}


def parse_panel(form: MultiDict, people: list[dict]) -> FormResult:
    """The evaluators and the moderator, each one of ``people`` (the lead and partner
    authorities' users)."""
    raw = {"evaluators": form.getlist("evaluators"), "moderator": form.get("moderator")}
    result = load(PanelSchema(), raw)
    result.anchors = {"evaluators": "evaluators"}
    known = {p["id"] for p in people}
    if result.ok and not set(result.data["evaluators"]) | {result.data["moderator"]} <= known:
        result.errors["evaluators"] = "Choose people from the lead and partner authorities"
    return result


def panel_values(tender: dict) -> MultiDict:
    """The panel as appointed, as the values of its form."""
    return MultiDict([("evaluators", str(UUID(e))) for e in tender["evaluators"]]
                     + [("moderator", str(tender["moderator"] or ""))])


AWARD_ANCHORS = {"standstill_ends": "standstill_ends-day", "awards": "awards",
                 "key_decisions": "awards"}


def parse_award(form: MultiDict, lots: list[dict]) -> FormResult:
    """The bids awarded in each lot (``award-<lot>``, any number) and the end of the
    standstill: the terms of ``award_tender``."""
    errors: dict[str, str] = {}
    raw = {"standstill_ends": day(form, "standstill_ends", errors)}
    result = load(AwardSchema(), raw, errors)
    result.anchors = dict(AWARD_ANCHORS)
    awards: dict[str, list[UUID]] = {}
    for lot in lots:
        chosen = form.getlist(f"award-{lot['lot_id']}")
        try:
            awards[lot["lot_id"]] = [UUID(b) for b in chosen]
        except ValueError:
            result.errors["awards"] = "Choose the bids to award from the lists"
    if result.ok:
        result.data = {**result.data, "awards": awards}
    return result


def parse_contract(form: MultiDict) -> FormResult:
    """A contract under the award: the bid, the partner authority, places and its dates."""
    errors: dict[str, str] = {}
    raw = {**form.to_dict(), "start": day(form, "start", errors),
           "end": day(form, "end", errors)}
    result = load(ContractSchema(), raw, errors)
    result.anchors = {"start": "start-day", "end": "end-day"}
    return result


def parse_key_decision(form: MultiDict) -> FormResult:
    """A partner authority's key decision: its reference and the date it was taken."""
    errors: dict[str, str] = {}
    raw = {**form.to_dict(), "taken_on": day(form, "taken_on", errors)}
    result = load(KeyDecisionSchema(), raw, errors)
    result.anchors = {"taken_on": "taken_on-day"}
    return result


def parse_bid(form: MultiDict, questions: list[dict]) -> FormResult:
    """A bid for one lot: the weekly price and an answer to each quality question (checked by
    the domain), the terms of ``submit_bid``."""
    result = load(BidSchema(), form.to_dict())
    answers = {q["question_id"]: text(form.get(q["question_id"], ""), q["question_id"],
                                      result.errors)
               for q in questions}
    result.anchors = {"bid": "weekly_price", "lot": "weekly_price"}
    if result.ok:
        result.data = {**result.data, "answers": answers}
    else:  # every quality question left blank, beside the price's error
        alongside(result, [lambda: check_bid(questions, result.data.get("weekly_price"),
                                             answers)],
                  {"weekly_price", *answers}, "weekly_price")
    return result


def parse_answers(form: MultiDict, questions: list[dict]) -> FormResult:
    """The questionnaire's answers in the domain's terms: text, numbers, an option, options.
    A number that is not one is refused here; the domain checks the rest."""
    answers: dict = {}
    errors: dict[str, str] = {}
    for question in questions:
        name = question["question_id"]
        if question["kind"] == "multiple":
            answers[name] = [text(v, name, errors) for v in form.getlist(name)]
            continue
        value = text(form.get(name, ""), name, errors).strip()
        if question["kind"] == "number" and value:
            try:
                number = float(value.replace(",", ""))
            except ValueError:
                errors[name] = f"Enter a number for: {question['text']}"
                continue
            if abs(number) > MAX_VALUE or number != number:
                errors[name] = f"Enter a number for: {question['text']}"
                continue
            answers[name] = int(number) if number.is_integer() else number
        else:
            answers[name] = value
    result = FormResult(data=answers, errors=errors, anchors={"answers": "answers"})
    if errors:  # the questions' own rules (required, options) beside the numbers' errors
        alongside(result, [lambda: check_answers(questions, answers)],
                  {q["question_id"] for q in questions}, "answers")
    return result


def answer_values(response: dict | None) -> MultiDict:
    """A provider's saved answers as the values of the questionnaire form."""
    values = MultiDict()
    for name, value in ((response or {}).get("answers") or {}).items():
        if isinstance(value, list):
            values.setlist(name, value)
        elif isinstance(value, float) and value.is_integer():
            values[name] = str(int(value))
        else:
            values[name] = str(value)
    return values
