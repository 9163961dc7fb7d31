"""The integration API's schemas for tenders: what a tender looks like to the organisations it
is open to (the opportunity page's fields: never who evaluates, nor another provider's answers
or bids), and a provider's own answers and sealed bids."""

from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from domain.vocabulary import SETTING_TYPES
from portal.api.schemas import ApiSchema, PageQuery, UtcDateTime
from portal.schemas import ReasonSchema
from portal.tender_schemas import BidSchema

STAGES = ("market_engagement", "engagement_concluded", "invitation_to_tender", "evaluation",
          "awarded", "contracted", "cancelled", "draft")
ANSWER = {"description": "Text, a number, or a list of chosen options"}


def _answers(**options) -> fields.Dict:
    return fields.Dict(keys=fields.String(validate=validate.Length(min=1, max=8)),
                       values=fields.Raw(metadata=ANSWER),
                       metadata={"description": "Each question's id and its answer"},
                       **options)


class AnswerKinds(Schema):
    """Each answer is text, a number or a list of texts (the questionnaire's kinds); any other
    is named as ``answers.<question>``, with the other fields' errors."""

    @validates_schema(skip_on_field_errors=False)
    def _answer_kinds(self, data: dict, **_kwargs) -> None:
        wrong = {}
        for name, value in (data.get("answers") or {}).items():
            if isinstance(value, list):
                ok = all(isinstance(v, str) for v in value)
            else:
                ok = isinstance(value, str | int | float) and not isinstance(value, bool)
            if not ok:
                wrong[name] = ["Send text, a number, or a list of options"]
        if wrong:
            raise ValidationError({"answers": wrong})


class TendersQuery(PageQuery):
    stage = fields.String(load_default=None, validate=validate.OneOf(
        STAGES, error="Choose a stage from the list"))


class AnswersIn(ApiSchema, AnswerKinds):
    """The market engagement questionnaire's answers (the first time, or changed)."""

    answers = _answers(required=True, error_messages={"required": "Answer the questions"})


class BidIn(ApiSchema, AnswerKinds, BidSchema):
    """A sealed bid for one lot (replacing yours, if you have one): the weekly price per
    place and an answer to each quality question."""

    answers = _answers(load_default=dict)


class WithdrawBidIn(ApiSchema, ReasonSchema):
    """Why the bid is withdrawn (optional)."""


class LotOut(Schema):
    lot_id = fields.String(required=True)
    name = fields.String(required=True)
    setting_type = fields.String(required=True, validate=validate.OneOf(list(SETTING_TYPES)))
    area = fields.String(required=True)
    places = fields.Integer(required=True, allow_none=True)
    age_from = fields.Integer(required=True)
    age_to = fields.Integer(required=True)
    needs = fields.List(fields.String(), required=True)


class QuestionOut(Schema):
    question_id = fields.String(required=True)
    text = fields.String(required=True)
    kind = fields.String(required=True)
    options = fields.List(fields.String(), required=True)
    required = fields.Boolean(required=True)


class QualityQuestionOut(Schema):
    question_id = fields.String(required=True)
    text = fields.String(required=True)
    weight = fields.Integer(required=True)


class TenderSummaryOut(Schema):
    """A tender in a list: the fields every view of a tender starts with."""

    id = fields.UUID(required=True)
    title = fields.String(required=True)
    lead_authority_id = fields.UUID(required=True)
    partnership = fields.String(required=True)
    route = fields.String(required=True)
    stage = fields.String(required=True)
    estimated_total_value = fields.Integer(required=True)
    engagement_closes = UtcDateTime(required=True, allow_none=True)
    bid_deadline = UtcDateTime(required=True, allow_none=True)


class TenderOut(TenderSummaryOut):
    """A tender read on its own: the summary's fields, then its full terms, lots and
    questionnaires."""

    description = fields.String(required=True)
    lead_authority_name = fields.String(required=True)
    partner_authorities = fields.Function(lambda t: [p["name"] for p in t["partners"]],
                                          required=True, metadata={
                                              "type": "array", "items": {"type": "string"}})
    estimated_annual_value = fields.Integer(required=True)
    term_months = fields.Integer(required=True)
    clarification_deadline = UtcDateTime(required=True, allow_none=True)
    quality_weight = fields.Integer(required=True, allow_none=True)
    price_weight = fields.Integer(required=True, allow_none=True)
    viewer_role = fields.String(required=True, metadata={
        "description": "lead, partner, council, auditor or provider"})
    lots = fields.List(fields.Nested(LotOut), required=True)
    questions = fields.List(fields.Nested(QuestionOut), required=True, metadata={
        "description": "The market engagement questionnaire"})
    quality_questions = fields.List(fields.Nested(QualityQuestionOut), required=True)


class TenderPage(Schema):
    items = fields.List(fields.Nested(TenderSummaryOut), required=True)
    next_cursor = fields.String(required=True, allow_none=True)


class ResponseOut(Schema):
    answers = _answers(required=True)
    submitted_at = UtcDateTime(required=True)
    amended_at = UtcDateTime(required=True, allow_none=True)


class BidOut(Schema):
    lot_id = fields.String(required=True)
    lot_name = fields.String(required=True)
    status = fields.String(required=True, metadata={
        "description": "submitted, withdrawn or opened"})
    weekly_price = fields.Integer(required=True)
    answers = fields.Dict(keys=fields.String(), values=fields.String(), required=True)
    submitted_at = UtcDateTime(required=True)
    changed_at = UtcDateTime(required=True)


class OwnAnswersOut(Schema):
    response = fields.Nested(ResponseOut, required=True, allow_none=True, metadata={
        "description": "Your market engagement answers (null: not answered)"})
    bids = fields.List(fields.Nested(BidOut), required=True, metadata={
        "description": "Your organisation's sealed bids, one per lot"})
