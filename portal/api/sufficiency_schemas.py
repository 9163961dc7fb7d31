"""The integration API's schemas for sufficiency figures: the dashboards' filters as query
parameters, and each measure's table as the page shows it (a hidden cell reads "c")."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from domain import ssda903
from portal.api.schemas import ApiSchema

CELL = {"description": "A figure (a number), \"c\" where disclosure control hides it, text "
                       "for a label, or null where it cannot be worked out",
        "nullable": True, "oneOf": [{"type": "number"}, {"type": "string"}]}


class SufficiencyQuery(ApiSchema):
    strict_numbers = False
    on = fields.Date(load_default=None, metadata={
        "description": "The date counted on (today if not given); another authority's "
                       "figures are counted at the month end"})
    from_ = fields.Date(data_key="from", attribute="from", load_default=None, metadata={
        "description": "The start of the period for starts, ends and moves"})
    to = fields.Date(load_default=None, metadata={"description": "The end of that period"})
    area = fields.String(load_default=None, validate=validate.Regexp(
        r"^\d{3}$", error="Choose an authority by its DfE LA code, like 886"), metadata={
        "description": "One authority in the view, by its DfE LA code"})
    type = fields.String(load_default=None, validate=validate.OneOf(
        list(ssda903.GROUPS), error="Choose a placement type from the list"), metadata={
        "description": "One group of placement types"})


class ScopeOut(Schema):
    kind = fields.String(required=True, validate=validate.OneOf(
        ("authority", "partnership", "region")))
    key = fields.String(required=True, metadata={
        "description": "An authority's LA code, a partnership's name as in its path, or "
                       "region"})
    name = fields.String(required=True)
    in_full = fields.Boolean(required=True, metadata={
        "description": "True only for your own authority; every other view is suppressed"})
    authorities = fields.Integer(required=True)
    path = fields.String(required=True)


class ScopeList(Schema):
    items = fields.List(fields.Nested(ScopeOut), required=True)


class ColumnOut(Schema):
    key = fields.String(required=True)
    label = fields.String(required=True)
    kind = fields.String(required=True, metadata={
        "description": "text, count, percent, rate (per 10,000), money, miles or number"})


class TableOut(Schema):
    key = fields.String(required=True)
    title = fields.String(required=True)
    definition = fields.String(required=True)
    columns = fields.List(fields.Nested(ColumnOut), required=True)
    rows = fields.List(fields.Dict(keys=fields.String(), values=fields.Raw(metadata=CELL)),
                       required=True)
    total = fields.Dict(keys=fields.String(), values=fields.Raw(metadata=CELL),
                        required=True, allow_none=True)
    notes = fields.List(fields.String(), required=True)
    suppressed = fields.Boolean(required=True, metadata={
        "description": "Whether disclosure control was applied"})


class FiltersOut(Schema):
    on = fields.Date(required=True)
    from_ = fields.Date(data_key="from", attribute="from", required=True)
    to = fields.Date(required=True)
    area = fields.String(required=True, allow_none=True)
    type = fields.String(required=True, allow_none=True)


class DashboardOut(Schema):
    scope = fields.Nested(ScopeOut, required=True)
    filters = fields.Nested(FiltersOut, required=True, metadata={
        "description": "The filters used (another authority's dates move to month ends)"})
    tables = fields.List(fields.Nested(TableOut), required=True)
