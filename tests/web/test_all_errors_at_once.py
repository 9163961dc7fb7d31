"""Every form says everything wrong with it at once: a structural test over every schema a form
loads (each subclass of :class:`portal.schemas.FormSchema`, found by importing the web layer),
so a new form cannot slip back to one error per round trip."""

from __future__ import annotations

import importlib
import pkgutil

import pytest
from marshmallow import fields

import portal
from portal.form_fields import Money
from portal.forms import load
from portal.schemas import FormSchema

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
