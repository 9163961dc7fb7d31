"""Marshmallow schemas for the joint tender forms, and the parsing of their repeated rows.

Forms with rows that grow (lots, partners' shares, questions) post each row's fields as
``lot-1-name``, ``lot-2-name``...; :func:`rows` gathers them, each row is loaded with its own
schema, and an error is reported against the row's own field id (``lot-2-name``), so the GOV.UK
error summary links straight to it. The schemas check what the form alone can tell; the domain
checks the rest (shares adding up, deadlines in the future, stage rules) and its messages are
shown beside the same fields.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time
from typing import Any

from marshmallow import ValidationError, fields, validate, validates_schema
from werkzeug.datastructures import MultiDict

from domain.tender_terms import (
    DEADLINES,
    MAX_PLACES,
    MAX_SCORE,
    MAX_TERM_MONTHS,
    MAX_TEXT,
    MAX_VALUE,
    MAX_WEEKLY_PRICE,
    QUESTION_KINDS,
    ROUTES,
    TIMETABLE,
)
from domain.timezone import LONDON

# Deadlines are typed and shown in the councils' own time (UK time), stored as UTC moments.
from domain.vocabulary import MAX_AGE, NEEDS, SETTING_TYPES
from portal.form_fields import money
from portal.forms import FormResult, combine_date, load
from portal.schemas import FormSchema, _int

TIME = re.compile(r"^([01]?\d|2[0-3])[:.]([0-5]\d)$")
MAX_ROWS = 30


def _required(message: str) -> dict[str, str]:
    return {"required": message, "null": message}


def _text(label: str, limit: int, missing: str, *, required: bool = True) -> fields.String:
    options = {"required": True} if required else {"load_default": None, "allow_none": True}
    return fields.String(**options, error_messages=_required(missing), validate=validate.Length(
        max=limit, error=f"{label} must be {limit:,} characters or fewer"))


def _choice(choices, missing: str, wrong: str | None = None) -> fields.String:
    return fields.String(required=True, error_messages=_required(missing),
                         validate=validate.OneOf(list(choices), error=wrong or missing))


REASON = {"reason": _text("Reason", 500, "Say why", required=False)}


class TenderDetailsSchema(FormSchema):
    title = _text("Title", 200, "Enter the tender's title")
    description = _text("Description", MAX_TEXT, "Describe what the tender buys")
    route = _choice(ROUTES, "Choose the route")
    partnership = fields.String(required=True, error_messages=_required(
        "Choose the partnership the tender is run for"))
    estimated_annual_value = money("Estimated annual value", 1, MAX_VALUE, required=True)
    estimated_total_value = money("Estimated total value", 1, MAX_VALUE, required=True)
    term_months = _int("Term", 1, MAX_TERM_MONTHS, required=True)


class LotSchema(FormSchema):
    name = _text("Lot name", 200, "Enter the lot's name")
    setting_type = _choice(SETTING_TYPES, "Choose the kind of placement the lot buys")
    area = _text("Area", 200, "Enter the area the lot covers")
    places = _int("Places", 1, MAX_PLACES, required=False)
    age_from = _int("Youngest age", 0, MAX_AGE, required=True)
    age_to = _int("Oldest age", 0, MAX_AGE, required=True)
    needs = fields.List(fields.String(validate=validate.OneOf(
        NEEDS, error="Choose needs from the list")), load_default=list)

    @validates_schema(skip_on_field_errors=False)
    def _ages_in_order(self, data: dict, **_kwargs) -> None:
        if data.get("age_from") is not None and data.get("age_to") is not None \
                and data["age_from"] > data["age_to"]:
            raise ValidationError("Youngest age must not be more than the oldest age",
                                  field_name="age_from")


class ShareSchema(FormSchema):
    share = money("Share", 0, MAX_VALUE, required=False)


class QuestionSchema(FormSchema):
    text = _text("Question", 1_000, "Enter the question")
    kind = _choice(QUESTION_KINDS, "Choose the kind of answer")
    options = fields.String(load_default="", allow_none=True)
    required = fields.Boolean(load_default=False, allow_none=True,
                              truthy={"yes", "on", "true"}, falsy={"no", "off", "false"})


class QualityQuestionSchema(FormSchema):
    text = _text("Quality question", 1_000, "Enter the quality question")
    weight = _int("Weight", 1, 100, required=True)


class EvaluationSchema(FormSchema):
    quality_weight = _int("Quality weight", 0, 100, required=True)
    price_weight = _int("Price weight", 0, 100, required=True)

    @validates_schema(skip_on_field_errors=False)
    def _adds_up(self, data: dict, **_kwargs) -> None:
        if data.get("quality_weight") is not None and data.get("price_weight") is not None \
                and data["quality_weight"] + data["price_weight"] != 100:
            raise ValidationError("The quality and price weights must add up to 100",
                                  field_name="quality_weight")


class KeyDecisionSchema(FormSchema):
    reference = _text("Reference", 100, "Enter the key decision's reference, like 21/00094")
    taken_on = fields.Date(required=True, error_messages={
        **_required("Enter the date the decision was taken"),
        "invalid": "The decision date must be a real date"})


class AnswerClarificationSchema(FormSchema):
    answer = _text("Answer", MAX_TEXT, "Enter the answer")
    publish = fields.String(required=True, validate=validate.OneOf(
        ("yes", "no"), error="Say whether to publish the answer to every bidder"),
        error_messages=_required("Say whether to publish the answer to every bidder"))
    question = _text("Published question", MAX_TEXT, "Enter the question as it will be "
                     "published", required=False)


class AskClarificationSchema(FormSchema):
    question = _text("Question", MAX_TEXT, "Enter your question")
    lot = fields.String(load_default=None, allow_none=True)


class BidSchema(FormSchema):
    weekly_price = money("Weekly price per place", 1, MAX_WEEKLY_PRICE, required=True)


class CancelSchema(FormSchema):
    reason = _text("Reason", 500, "Say why the tender is being cancelled")


class WithdrawDocumentSchema(FormSchema):
    reason = _text("Reason", 500, "Say why the document is being withdrawn")


class ReasonSchema(FormSchema):
    reason = _text("Reason", 500, "Say why", required=False)


class PanelSchema(FormSchema):
    evaluators = fields.List(fields.UUID(error_messages={
        "invalid": "Choose evaluators from the list"}), load_default=list)
    moderator = fields.UUID(required=True, error_messages={
        **_required("Choose the moderator"), "invalid": "Choose the moderator"})

    @validates_schema(skip_on_field_errors=False)
    def _someone_evaluates(self, data: dict, **_kwargs) -> None:
        if not data.get("evaluators"):
            raise ValidationError("Choose at least one evaluator", field_name="evaluators")


class AwardSchema(FormSchema):
    standstill_ends = fields.Date(required=True, error_messages={
        **_required("Enter the date the standstill ends"),
        "invalid": "The standstill end date must be a real date"})


class ContractSchema(FormSchema):
    bid = fields.UUID(required=True, error_messages={
        **_required("Choose the awarded bid"), "invalid": "Choose the awarded bid"})
    authority_id = fields.UUID(required=True, error_messages={
        **_required("Choose the partner authority"), "invalid": "Choose the partner authority"})
    places = _int("Places", 0, MAX_PLACES, required=False)
    start = fields.Date(required=True, error_messages={
        **_required("Enter the start date"), "invalid": "The start date must be a real date"})
    end = fields.Date(required=True, error_messages={
        **_required("Enter the end date"), "invalid": "The end date must be a real date"})


# --- parsing ----------------------------------------------------------------------------------

DATE_LABELS = {"taken_on": "Decision date", "standstill_ends": "Standstill end date",
               "start": "Start date", "end": "End date", **TIMETABLE}


def row_count(form: MultiDict, prefix: str, *, at_least: int = 1) -> int:
    """How many rows of ``prefix`` the form shows (one more when "Add another" was pressed)."""
    try:
        count = int(form.get(f"{prefix}-count", at_least))
    except ValueError:
        count = at_least
    if form.get("add") == prefix:
        count += 1
    return max(at_least, min(count, MAX_ROWS))


def rows(form: MultiDict, prefix: str, names: tuple[str, ...],
         multi: tuple[str, ...] = ()) -> list[tuple[int, dict[str, Any]]]:
    """The non-blank rows of ``prefix`` as (row number, raw values)."""
    found = []
    for number in range(1, row_count(form, prefix) + 1):
        raw: dict[str, Any] = {n: form.get(f"{prefix}-{number}-{n}", "") for n in names}
        raw.update({n: form.getlist(f"{prefix}-{number}-{n}") for n in multi})
        if any(_given(v) for v in raw.values()):
            found.append((number, raw))
    return found


def _given(value: Any) -> bool:
    if isinstance(value, list):
        return any(_given(v) for v in value)
    return bool(value.strip()) if isinstance(value, str) else bool(value)


def load_row(schema, raw: dict, prefix: str, number: int, errors: dict[str, str]) -> dict | None:
    """Load one row; its errors land on ``prefix-number-field``."""
    result = load(schema, raw)
    for name, message in result.errors.items():
        errors.setdefault(f"{prefix}-{number}-{name}", message)
    return result.data if result.ok else None


def moment(form: MultiDict, name: str, label: str, errors: dict[str, str]) -> datetime | None:
    """A deadline: a GOV.UK date input and a 24-hour time, in UK time, as a UTC moment."""
    day = combine_date(form, name, label, errors)
    clock = form.get(f"{name}-time", "").strip()
    if day is None:
        if clock and name not in errors:
            errors[name] = f"{label} must include a date as well as a time"
        return None
    match = TIME.match(clock)
    if not match:
        errors[f"{name}-time"] = (f"{label}: enter the time as hours and minutes on the 24-hour "
                                  "clock, like 17:00" if clock else f"{label}: enter the time")
        return None
    local = datetime.combine(date.fromisoformat(day), time(int(match[1]), int(match[2])),
                             tzinfo=LONDON)
    return local.astimezone(UTC)


def timetable(form: MultiDict, errors: dict[str, str]) -> dict[str, date | datetime | None]:
    """Every timetable entry the form gives (blank entries as None, so they are cleared)."""
    entries: dict[str, date | datetime | None] = {}
    for key, label in TIMETABLE.items():
        if key in DEADLINES:
            entries[key] = moment(form, key, label, errors)
        else:
            day = combine_date(form, key, label, errors)
            entries[key] = date.fromisoformat(day) if day else None
    return entries


def timetable_values(entries: list[dict]) -> dict[str, Any]:
    """A timetable (``[{"name", "label", "value"}]``) as form values (deadlines in UK
    time)."""
    values: dict[str, Any] = {}
    for entry in entries:
        key, value = entry["name"], entry["value"]
        if value is None:
            continue
        if isinstance(value, datetime):
            local = value.astimezone(LONDON)
            values[f"{key}-time"] = f"{local:%H:%M}"
            value = local.date()
        values.update({f"{key}-day": value.day, f"{key}-month": value.month,
                       f"{key}-year": value.year})
    return values


def day(form: MultiDict, name: str, errors: dict[str, str]) -> str | None:
    return combine_date(form, name, DATE_LABELS.get(name, "Date"), errors)


def options_list(text: str | None) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def score_field(label: str) -> fields.Integer:
    return _int(label, 0, MAX_SCORE, required=True)


def parse_scores(form: MultiDict, questions: list[dict]) -> FormResult:
    """Scores 0 to MAX_SCORE for each quality question (fields ``score-Q1``...). A refusal
    about the scores as a whole links to the first of them."""
    errors: dict[str, str] = {}
    scores: dict[str, int] = {}
    for question in questions:
        name = f"score-{question['question_id']}"
        value = form.get(name, "").strip()
        if not (value.isascii() and value.isdigit()) or not 0 <= int(value) <= MAX_SCORE:
            errors[name] = (f"Score {question['question_id']} from 0 to {MAX_SCORE}" if value
                            else f"Choose a score for {question['question_id']}")
        else:
            scores[question["question_id"]] = int(value)
    anchors = {"scores": f"score-{questions[0]['question_id']}"} if questions else {}
    return FormResult(data=scores if not errors else form.to_dict(), errors=errors,
                      anchors=anchors)
