"""Input that cannot poison the log (issue 17, finding 1): a NUL byte, another control
character, a lone surrogate or an over-long value in any field is refused with a field error,
and nothing is stored.

Two layers, both found by walking the portal rather than listed by hand: every marshmallow
form schema the portal defines (so the CLI and anything else that loads them is covered too),
and every form the demo region's pages offer to each kind of user, posted through the real
views.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections import deque
from urllib.parse import urljoin, urlsplit

import html5lib
import pytest
from marshmallow import fields

import portal
from portal.schemas import FormSchema
from portal.text_input import MAX_ANY_TEXT
from tests.conftest import account_for

NS = "{http://www.w3.org/1999/xhtml}"

# What the outside tester sent, and more: C0 controls (NUL, bell, escape), DELETE, C1 controls
# (next line, control sequence introducer).
CONTROLS = {"NUL": "NUL here:\x00:end", "bell": "ring\x07", "escape": "\x1b[31mred",
            "delete": "del\x7f", "next line": "a\x85b", "CSI": "\x9b2J"}
SURROGATE = "half a pair \ud800"
OVER_LONG = "x" * (MAX_ANY_TEXT + 1)
TEXT_ERRORS = ("must not contain control characters", "is not valid text",
               "characters or fewer")


# --- the schema layer ---------------------------------------------------------------------------

def _schemas() -> list[type[FormSchema]]:
    for module in pkgutil.walk_packages(portal.__path__, "portal."):
        if not module.name.startswith(("portal.demo", "portal.views")):
            importlib.import_module(module.name)
    found, todo = [], [FormSchema]
    while todo:
        for subclass in todo.pop().__subclasses__():
            found.append(subclass)
            todo.append(subclass)
    return found


SCHEMAS = _schemas()


def _fields(schema_class) -> list[tuple[str, fields.Field]]:
    return [(field.data_key or name, field)
            for name, field in schema_class().load_fields.items()]


def _is_text(field: fields.Field) -> bool:
    inner = field.inner if isinstance(field, fields.List) else field
    return isinstance(inner, fields.String | fields.Function)


def test_the_walk_finds_every_kind_of_form():
    names = {schema.__name__ for schema in SCHEMAS}
    assert {"VacancySchema", "ContractSchema", "TargetsSchema", "TenderDetailsSchema",
            "InvitationSchema", "IdentityProviderSchema", "CodeSchema"} <= names
    assert len(SCHEMAS) > 40


@pytest.mark.parametrize("schema_class", SCHEMAS, ids=lambda s: f"{s.__module__}.{s.__name__}")
def test_every_field_of_every_schema_refuses_what_cannot_be_stored(schema_class):
    schema = schema_class()
    for key, field in _fields(schema_class):
        for what, value in {**CONTROLS, "lone surrogate": SURROGATE,
                            "over-long": OVER_LONG}.items():
            given = [value] if isinstance(field, fields.List) else value
            errors = schema.validate({key: given})
            assert key in errors, f"{schema_class.__name__}.{key} took a value with {what}"
            if _is_text(field) and what != "over-long":  # too long: the field's own words
                message = str(errors[key])
                assert any(e in message for e in TEXT_ERRORS[:2]), (key, what, message)


def test_a_control_character_is_named_against_its_own_field():
    from portal.schemas import VacancySchema

    errors = VacancySchema().validate({"description": "NUL here:\x00:end"})
    assert "weekly_fee" in errors  # with the other fields' errors, not instead of them
    assert errors["description"] == [
        "Description must not contain control characters (such as a NUL byte): type or paste "
        "it again as plain text"]


def test_text_is_stored_as_nfc_with_newline_line_endings():
    from portal.tender_schemas import CancelSchema

    # "é" typed as e + combining acute; a textarea's CR LF; a tab and a newline are kept.
    data = CancelSchema().load({"reason": "Cafe\u0301 closed\r\nfor\tgood\rnow"})
    assert data["reason"] == "Caf\u00e9 closed\nfor\tgood\nnow"


def test_invisible_format_characters_stay_allowed_in_free_text():
    from portal.tender_schemas import CancelSchema

    family = "\U0001F469\u200d\U0001F467"  # an emoji joined by a zero-width joiner
    assert CancelSchema().load({"reason": family})["reason"] == family


# --- every form of every page, through the real views -------------------------------------------

# The auditor reads only: no form of theirs stores anything.
ROLES = (("platform_admin", None), ("council_officer", "Kent"), ("council_officer", "Dorset"),
         ("provider_user", None))
SKIP_PATHS = ("/sign-out", "/static/", "/healthz")
MAX_PAGES = 120
TEXT_TYPES = {None, "", "text", "email", "password", "search", "tel", "url", "number"}
# What each text field of each form is sent, one field at a time, the rest as the page had them.
# (A lone surrogate cannot arrive over HTTP: a form's bytes that are not UTF-8 are not decoded.)
BAD_VALUES = {"NUL": CONTROLS["NUL"], "next line": CONTROLS["next line"],
              "over-long": OVER_LONG}


def _forms(html: str, url: str) -> list[dict]:
    document = html5lib.parse(html)
    found = []
    for form in document.iter(f"{NS}form"):
        if (form.get("method") or "get").lower() != "post":
            continue
        values: list[tuple[str, str]] = []
        text_fields: list[str] = []
        for element in form.iter():
            name = element.get("name")
            if not name or name == "csrf_token":
                continue
            if element.tag == f"{NS}input":
                kind = (element.get("type") or "").lower()
                if kind in ("submit", "button", "file", "image", "reset"):
                    continue
                if kind in ("checkbox", "radio"):
                    if element.get("checked") is not None:
                        values.append((name, element.get("value") or "on"))
                    continue
                values.append((name, element.get("value") or ""))
                if kind in TEXT_TYPES and not name.endswith(("-day", "-month", "-year",
                                                             "-time", "-count")):
                    text_fields.append(name)
            elif element.tag == f"{NS}textarea":
                values.append((name, "".join(element.itertext())))
                text_fields.append(name)
            elif element.tag == f"{NS}select":
                options = list(element.iter(f"{NS}option"))
                chosen = next((o for o in options if o.get("selected") is not None), None)
                chosen = chosen or next((o for o in options if o.get("value")), None)
                if chosen is not None:
                    values.append((name, chosen.get("value") or ""))
        if text_fields:
            found.append({"action": urljoin(url, form.get("action")), "values": values,
                          "text_fields": text_fields,
                          "multipart": form.get("enctype") == "multipart/form-data"})
    return found


def _crawl(client) -> list[dict]:
    """Every POST form with a text field on the pages reachable from the home page."""
    seen, queue, forms = set(), deque(["/"]), {}
    while queue and len(seen) < MAX_PAGES:
        path = queue.popleft()
        if path in seen:
            continue
        seen.add(path)
        response = client.get(path)
        if response.status_code != 200 or response.mimetype != "text/html":
            continue
        html = response.get_data(as_text=True)
        for form in _forms(html, path):
            key = (urlsplit(form["action"]).path, tuple(sorted(form["text_fields"])))
            forms.setdefault(key, form)
        for link in html5lib.parse(html).iter(f"{NS}a"):
            target = urlsplit(urljoin(path, link.get("href") or ""))
            if target.netloc or not target.path.startswith("/") or target.path.startswith(
                    SKIP_PATHS) or target.path.endswith((".csv", ".json", ".svg")):
                continue
            if target.path not in seen:
                queue.append(target.path)
    return list(forms.values())


def _post(client, form: dict, field: str, value: str):
    data: dict[str, list[str]] = {}
    for name, given in form["values"]:
        data.setdefault(name, []).append(value if name == field else given)
    if field not in data:
        data[field] = [value]
    data["csrf_token"] = [client.csrf()]
    return client.post(urlsplit(form["action"]).path, data=data,
                       content_type="multipart/form-data" if form["multipart"] else None)


@pytest.mark.parametrize(("role", "organisation"), ROLES)
def test_every_form_refuses_control_characters_and_over_long_text(
        app, client, demo_services, role, organisation):
    client.sign_in(account_for(role, organisation))
    forms = _crawl(client)
    assert forms, "the walk should find forms to try"
    head = demo_services.portal.last_position()
    tried, problems = 0, []
    for form in forms:
        for field in form["text_fields"]:
            for what, value in BAD_VALUES.items():
                response = _post(client, form, field, value)
                tried += 1
                where = f"{form['action']} {field} with {what}"
                if response.status_code >= 500:
                    problems.append(f"{where}: {response.status_code}")
                elif demo_services.portal.last_position() != head:
                    problems.append(f"{where}: stored an event")
                    head = demo_services.portal.last_position()
                elif response.status_code == 200 and not any(
                        e in response.get_data(as_text=True) for e in TEXT_ERRORS):
                    problems.append(f"{where}: no field error")
    assert not problems, f"{len(problems)} of {tried} posts: " + "\n".join(problems)
    assert tried >= 30, f"only {tried} posts: the walk should reach the role's forms"


def test_digits_of_other_scripts_in_numbers_are_refused_not_an_error(client, provider_user):
    """A superscript two is a digit to ``str.isdigit`` but not to ``int``: it answered 500."""
    from werkzeug.datastructures import MultiDict

    from portal.tender_schemas import parse_scores

    client.sign_in(provider_user)
    assert client.get("/our-vacancies/?page=\u00b2").status_code == 200
    scores = parse_scores(MultiDict({"score-Q1": "\u00b2"}), [{"question_id": "Q1"}])
    assert scores.errors == {"score-Q1": "Score Q1 from 0 to 5"}
