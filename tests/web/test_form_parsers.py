"""The form parsers and presenters the views call, on values built by hand (no app, no I/O)."""

from __future__ import annotations

import io
import re
from datetime import date
from uuid import uuid4

import pytest
from werkzeug.datastructures import FileStorage, MultiDict

from portal.form_fields import money
from portal.forms import load
from portal.schemas import FormSchema, district_upload
from portal.tender_forms import parse_award, parse_panel, parse_questionnaire
from portal.tender_presenters import BidScoring

EVALUATOR, OTHER_EVALUATOR, MODERATOR = uuid4(), uuid4(), uuid4()
TENDER = {"moderator": MODERATOR, "evaluators": [str(EVALUATOR), str(OTHER_EVALUATOR)],
          "quality_questions": [{"question_id": "Q1"}, {"question_id": "Q2"}]}
SCORES = [{"evaluator_id": EVALUATOR, "scores": {"Q1": 4, "Q2": 3}},
          {"evaluator_id": OTHER_EVALUATOR, "scores": {"Q1": 2, "Q2": 2}}]


def test_an_evaluator_starts_from_and_sees_only_their_own_scores():
    scoring = BidScoring.of(TENDER, {"agreed_scores": None}, SCORES, EVALUATOR)
    assert scoring.role == "evaluator"
    assert scoring.form_values == {"score-Q1": "4", "score-Q2": "3"}
    assert scoring.shown == SCORES[:1]
    assert scoring.fields == {"score-Q1", "score-Q2", "scores"}


def test_the_moderator_sees_every_score_and_starts_from_the_agreed_ones():
    agreed = BidScoring.of(TENDER, {"agreed_scores": {"Q1": 3}}, SCORES, MODERATOR)
    assert (agreed.role, agreed.form_values, agreed.shown) == (
        "moderator", {"score-Q1": "3"}, SCORES)
    assert BidScoring.of(TENDER, {"agreed_scores": None}, SCORES, MODERATOR).form_values == {}


def test_anyone_else_on_the_tender_has_no_part_in_scoring():
    scoring = BidScoring.of(TENDER, {"agreed_scores": None}, SCORES, uuid4())
    assert (scoring.role, scoring.form_values, scoring.shown) == (None, {}, SCORES)


def test_a_choice_question_needs_two_options_and_others_none():
    form, _ = parse_questionnaire(MultiDict({
        "question-count": "2",
        "question-1-text": "Which areas?", "question-1-kind": "single",
        "question-1-options": "Kent",
        "question-2-text": "How many places?", "question-2-kind": "number",
        "question-2-options": "1\n2"}))
    assert form.errors == {
        "question-1-options": "Question 1: give at least two options, one a line",
        "question-2-options": "Question 2: only choice questions have options"}
    assert parse_questionnaire(MultiDict())[0].errors == {
        "question-1-text": "Add at least one question"}


def test_a_valid_questionnaire_gives_the_commands_questions():
    form, questions = parse_questionnaire(MultiDict({
        "question-1-text": "Which areas?", "question-1-kind": "multiple",
        "question-1-options": " Kent \n\nMedway", "question-1-required": "yes"}))
    assert form.ok
    assert [(q["options"], q["required"]) for q in questions] == [(["Kent", "Medway"], True)]


def test_the_panel_is_chosen_from_the_people_offered():
    offered = [{"id": EVALUATOR}, {"id": MODERATOR}]
    chosen = MultiDict([("evaluators", str(EVALUATOR)), ("moderator", str(MODERATOR))])
    assert parse_panel(chosen, offered).data == {"evaluators": [EVALUATOR],
                                                 "moderator": MODERATOR}
    stranger = MultiDict([("evaluators", str(uuid4())), ("moderator", str(MODERATOR))])
    assert parse_panel(stranger, offered).errors == {
        "evaluators": "Choose people from the lead and partner authorities"}


def test_an_award_names_bids_per_lot_and_the_end_of_the_standstill():
    bid = uuid4()
    posted = MultiDict([("award-1", str(bid)), ("standstill_ends-day", "4"),
                        ("standstill_ends-month", "1"), ("standstill_ends-year", "2027")])
    form = parse_award(posted, [{"lot_id": "1"}, {"lot_id": "2"}])
    assert form.data == {"standstill_ends": date(2027, 1, 4), "awards": {"1": [bid], "2": []}}
    assert form.anchors["standstill_ends"] == "standstill_ends-day"
    posted.setlist("award-2", ["not a bid"])
    assert parse_award(posted, [{"lot_id": "1"}, {"lot_id": "2"}]).errors == {
        "awards": "Choose the bids to award from the lists"}


def _file(name: str) -> MultiDict:
    return MultiDict({"file": FileStorage(io.BytesIO(b"district\n"), filename=name)})


def test_a_district_upload_keeps_the_reason_as_typed_and_the_file_name_without_folders():
    form, terms = district_upload(MultiDict({"reason": "  New estates "}),
                                  _file("C:\\Users\\me\\kent.csv"))
    assert form.ok and form.data == {"reason": "  New estates "}
    assert (terms["file_name"], terms["reason"]) == ("kent.csv", "New estates")


def test_a_district_upload_needs_a_file_and_a_short_reason():
    form, terms = district_upload(MultiDict({"reason": "x" * 501}), MultiDict())
    assert terms == {}
    assert form.errors == {"reason": "The reason must be 500 characters or fewer",
                           "file": "Choose a CSV file of postcode districts"}
    assert district_upload(MultiDict({"reason": "   "}), _file("a.csv"))[1]["reason"] is None


# --- money, as people type it -----------------------------------------------------------------

@pytest.mark.parametrize(("typed", "pounds"), [
    ("5200", 5200), ("5,200", 5200), ("£5,200", 5200), ("5200.00", 5200), ("£5,200.0", 5200),
    (" £ 1,450 ", 1450), ("1,250,000", 1_250_000), ("0", 0)])
def test_money_is_read_as_people_write_it(typed, pounds):
    assert load(AnyAmount(), {"fee": typed}).data == {"fee": pounds}


@pytest.mark.parametrize(("typed", "message"), [
    ("5200.50", "Weekly fee must be in whole pounds: pence are not accepted"),
    ("£99.5", "Weekly fee must be in whole pounds: pence are not accepted"),
    ("5,20", "Weekly fee has a comma in the wrong place: write it like £5,200"),
    ("52,00,0", "Weekly fee has a comma in the wrong place: write it like £5,200"),
    ("-5", "Weekly fee must be between £1 and £50,000"),
    ("five thousand", "Weekly fee must be an amount in pounds, like £5,200"),
    ("5k", "Weekly fee must be an amount in pounds, like £5,200"),
    ("$5,200", "Weekly fee must be an amount in pounds, like £5,200"),
    ("\uff15\uff12\uff10\uff10", "Weekly fee must be an amount in pounds, like £5,200"),
    ("5200.5.0", "Weekly fee must be an amount in pounds, like £5,200"),
    ("£", "Weekly fee must be an amount in pounds, like £5,200"),
    ("60,000", "Weekly fee must be between £1 and £50,000"),
    ("0.00", "Weekly fee must be between £1 and £50,000")])
def test_money_says_exactly_what_is_wrong(typed, message):
    assert load(MoneyForm(), {"fee": typed}).errors == {"fee": message}


def test_every_money_field_is_the_shared_money_type():
    """A field named for money (fee, price, cost, value, threshold, share) in any form reads
    "£5,200" the same way."""
    from tests.web.test_all_errors_at_once import SCHEMAS
    found = {f"{s.__name__}.{name}": type(field).__name__ for s in SCHEMAS
             for name, field in s().load_fields.items()
             if re.search(r"(fee|price|cost|value|threshold)$|^share$", name)}
    assert len(found) >= 12
    assert {k: v for k, v in found.items() if v != "Money"} == {}


class MoneyForm(FormSchema):
    fee = money("Weekly fee", 1, 50_000, required=True)


class AnyAmount(FormSchema):
    fee = money("Amount", 0, 10_000_000, required=True)
