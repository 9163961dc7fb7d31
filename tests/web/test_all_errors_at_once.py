"""Every form says everything wrong with it at once: a structural test over every schema a form
loads (each subclass of :class:`portal.schemas.FormSchema`, found by importing the web layer),
so a new form cannot slip back to one error per round trip."""

from __future__ import annotations

import importlib
import pkgutil
from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest
from marshmallow import fields

import portal
from domain import tender_terms
from domain.bid import check_bid
from domain.errors import Refused
from portal.form_fields import Money
from portal.forms import load
from portal.schemas import FormSchema
from portal.tender_forms import form_field

CONTROL = "bad\x00text"  # refused by every form, on any field (see portal.text_input)


def _import_web_layer() -> None:
    for module in pkgutil.walk_packages(portal.__path__, "portal."):
        if not module.name.startswith(("portal.demo", "portal.services")):
            importlib.import_module(module.name)


def _subclasses(cls) -> list[type]:
    found = []
    for sub in cls.__subclasses__():
        found += [sub, *_subclasses(sub)]
    return found


_import_web_layer()
SCHEMAS = sorted({s for s in _subclasses(FormSchema) if not s.__module__.startswith("tests")},
                 key=lambda s: f"{s.__module__}.{s.__qualname__}")


def bad_value(field: fields.Field):
    """A value this field must refuse, of the kind its type reads."""
    if isinstance(field, Money):
        return "5200.50"
    if isinstance(field, fields.List):
        return [bad_value(field.inner)]
    if isinstance(field, fields.Number):
        return "several"
    if isinstance(field, fields.Date | fields.DateTime | fields.Time):
        return "the thirty-second of Smarch"
    if isinstance(field, fields.UUID):
        return "not-an-id"
    if isinstance(field, fields.Boolean):
        return "perhaps"
    return CONTROL


def test_every_form_schema_is_found():
    names = {s.__name__ for s in SCHEMAS}
    assert {"VacancySchema", "HomeSearchSchema", "OfferSchema", "StartSchema", "LotSchema",
            "AuditSearchSchema", "TargetsSchema", "InvitationSchema"} <= names
    assert len(SCHEMAS) >= 50


@pytest.mark.parametrize("schema", SCHEMAS, ids=lambda s: f"{s.__module__}.{s.__name__}")
def test_several_bad_fields_at_once_each_get_their_own_error(schema):
    instance = schema()
    typed = {field.data_key or name: bad_value(field)
             for name, field in instance.load_fields.items()}
    form = load(instance, typed)
    assert set(form.errors) >= set(typed), (
        f"{schema.__name__} reported {sorted(form.errors)} of {sorted(typed)}")
    assert all(isinstance(m, str) and m.strip() for m in form.errors.values())


@pytest.mark.parametrize("schema", SCHEMAS, ids=lambda s: f"{s.__module__}.{s.__name__}")
def test_rules_across_fields_are_checked_even_when_a_field_is_wrong(schema):
    """marshmallow skips a schema-level rule when any field failed unless told not to: such a
    rule's message would arrive only on the next round trip."""
    skipping = [name for name, _many, options in schema._hooks["validates_schema"]
                if options.get("skip_on_field_errors", True)]
    assert skipping == []


@pytest.mark.parametrize("schema", SCHEMAS, ids=lambda s: f"{s.__module__}.{s.__name__}")
def test_a_control_character_in_every_field_is_refused_on_every_field(schema):
    """Text that cannot be stored is reported beside each field it was typed in, with any
    other problem, never instead of them."""
    instance = schema()
    typed = {field.data_key or name: CONTROL for name, field in instance.load_fields.items()}
    assert set(load(instance, typed).errors) >= set(typed)


# --- the tender forms' own rules -------------------------------------------------------------
# A tender form's fields are loaded by its schema (above); what the domain checks of the terms
# (shares, lots, timetable, questions, answers, bids) is refused with every problem at once,
# and the forms show the domain's rules beside their fields' errors (tests/web/
# test_tender_pages.py posts them).

LEAD, OTHER = uuid4(), uuid4()
QUESTIONS = [{"question_id": "q1", "text": "Beds?", "kind": "number", "required": True},
             {"question_id": "q2", "text": "Area?", "kind": "single", "options": ["Kent"],
              "required": True},
             {"question_id": "q3", "text": "Notes", "kind": "text", "required": True}]
QUALITY = [{"question_id": "Q1", "text": "Staffing"}, {"question_id": "Q2", "text": "Homes"}]
NAIVE = datetime(2026, 12, 1, 17, 0)
CLOSES = datetime(2026, 12, 10, 12, 0, tzinfo=UTC)

TENDER_RULES = {
    "details": (lambda: tender_terms.check_details(
        title="", description=" ", route="auction", estimated_annual_value=5,
        estimated_total_value=1, term_months=0),
        {"title", "description", "route", "estimated_total_value", "term_months"}),
    "lots": (lambda: tender_terms.check_lots([
        {"name": "Homes", "setting_type": "castle", "area": "Kent"},
        {"name": "homes", "setting_type": "childrens_home", "area": "Kent"},
        {"name": "Foster", "setting_type": "childrens_home", "area": "",
         "age_from": 12, "age_to": 9}]), {"lots.1", "lots.2", "lots.3"}),
    "partners": (lambda: tender_terms.check_partners(
        [{"authority_id": OTHER, "share": -1}], LEAD), {"shares", "lead"}),
    "timetable": (lambda: tender_terms.check_timetable({
        "engagement_closes": NAIVE, "clarification_deadline": CLOSES,
        "bid_deadline": CLOSES - timedelta(days=3), "award": NAIVE}),
        {"engagement_closes", "bid_deadline", "award"}),
    "questionnaire": (lambda: tender_terms.check_questionnaire([
        {"text": "", "kind": "text"}, {"text": "Which?", "kind": "single", "options": ["A"]},
        {"text": "How many?", "kind": "essay"}]),
        {"questions.1", "questions.2", "questions.3"}),
    "answers": (lambda: tender_terms.check_answers(QUESTIONS, {"q1": "many", "q2": "Devon"}),
                {"q1", "q2", "q3"}),
    "quality questions": (lambda: tender_terms.check_quality_questions([
        {"text": "", "weight": 50}, {"text": "Homes", "weight": 500}]),
        {"quality_questions.1", "quality_questions.2"}),
    "bid": (lambda: check_bid(QUALITY, 0, {"Q1": " "}), {"weekly_price", "Q1", "Q2"}),
}


@pytest.mark.parametrize("rules", TENDER_RULES, ids=str)
def test_every_tender_rule_broken_is_reported_at_once(rules):
    attempt, fields = TENDER_RULES[rules]
    with pytest.raises(Refused) as refused:
        attempt()
    assert set(refused.value.errors) == fields
    assert all(isinstance(m, str) and m.strip() for m in refused.value.errors.values())


def test_a_lot_or_question_row_problem_is_shown_beside_its_row():
    fields = {"title", "partners", "lots"}
    assert form_field("lots.2", fields, "title") == "lot-2-name"
    assert form_field("questions.3", fields, "title") == "question-3-text"
    assert form_field("quality_questions.1", fields, "title") == "quality-1-text"
    assert form_field("lead", fields, "title") == form_field("shares", fields, "title") \
        == "partners"
    assert form_field("nonsense", fields, "title") == "title"
