"""The filter panels' lean field macros (portal/templates/_filter_fields.html) write the markup
GOV.UK Frontend's own macros write for the same values: compared as parsed HTML (the same
elements, attributes and text; whitespace between them aside), with and without errors, hints,
chosen options and values that need escaping."""

from __future__ import annotations

from pathlib import Path

import html5lib
import pytest
from jinja2 import ChoiceLoader, Environment, FileSystemLoader, PackageLoader, PrefixLoader

import portal

ENV = Environment(
    loader=ChoiceLoader([
        FileSystemLoader(Path(portal.__file__).parent / "templates"),
        PrefixLoader({"govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja")}),
    ]),
    autoescape=True, trim_blocks=True, lstrip_blocks=True)

IMPORTS = """{% import "_filter_fields.html" as fields %}
{% from "govuk_frontend_jinja/components/select/macro.html" import govukSelect %}
{% from "govuk_frontend_jinja/components/input/macro.html" import govukInput %}
{% from "govuk_frontend_jinja/components/checkboxes/macro.html" import govukCheckboxes %}
{% from "govuk_frontend_jinja/components/date-input/macro.html" import govukDateInput %}
"""

ERROR = {"text": "Choose one <of these> & \"that\""}
OPTIONS = [("", "Any"), ("childrens_home", "Children's home"), ("a&b", "<b>bold</b>")]


def tree(html: str) -> list[str]:
    """Each element with its sorted attributes, and each text, whitespace aside."""
    lines: list[str] = []

    def walk(element, depth: int) -> None:
        for child in element:
            if not isinstance(child.tag, str):
                continue
            attributes = " ".join(f"{k}={' '.join(v.split())!r}"
                                  for k, v in sorted(child.attrib.items()))
            lines.append(f"{'  ' * depth}<{child.tag.split('}')[-1]} {attributes}>")
            if child.text and child.text.strip():
                lines.append(f"{'  ' * depth}  {' '.join(child.text.split())}")
            walk(child, depth + 1)
            if child.tail and child.tail.strip():
                lines.append(f"{'  ' * depth}{' '.join(child.tail.split())}")

    walk(html5lib.parseFragment(html), 0)
    return lines


def both(lean: str, govuk: str, **values) -> tuple[list[str], list[str]]:
    def render(call: str) -> list[str]:
        return tree(ENV.from_string(IMPORTS + "{{ " + call + " }}").render(**values))

    return render(lean), render(govuk)


@pytest.mark.parametrize("selected", [None, "", "childrens_home", "a&b", "not offered"])
@pytest.mark.parametrize("error", [None, ERROR])
@pytest.mark.parametrize("hint", [None, "Known when <recorded>"])
@pytest.mark.parametrize("label_classes", [None, "govuk-label--s"])
def test_select_field(selected, error, hint, label_classes):
    lean, govuk = both(
        'fields.select_field("type", "Setting \'type\'", options, selected, error, hint=hint,'
        ' label_classes=label_classes)',
        'govukSelect({"id": "type", "name": "type", "label": {"text": "Setting \'type\'",'
        ' "classes": label_classes}, "hint": {"text": hint} if hint else none, "items": items,'
        ' "errorMessage": error})',
        options=OPTIONS, selected=selected, error=error, hint=hint, label_classes=label_classes,
        # As the pages built them: the blank option is never the one marked.
        items=[{"value": v, "text": t, "selected": bool(v) and v == selected}
               for v, t in OPTIONS])
    assert lean == govuk
    assert any("<select" in line for line in lean)


@pytest.mark.parametrize("value", ["", "12", '"><script>'])
@pytest.mark.parametrize("error", [None, ERROR])
@pytest.mark.parametrize("prefix", [None, "£"])
def test_numeric_field(value, error, prefix):
    lean, govuk = both(
        'fields.numeric_field("fee", "Child\'s fee", value, "govuk-input--width-5", error,'
        ' prefix=prefix)',
        'govukInput({"id": "fee", "name": "fee", "label": {"text": "Child\'s fee"},'
        ' "inputmode": "numeric", "classes": "govuk-input--width-5", "value": value,'
        ' "errorMessage": error, "prefix": {"text": prefix} if prefix else none})',
        value=value, error=error, prefix=prefix)
    assert lean == govuk


@pytest.mark.parametrize("checked", [[], ["childrens_home"], ["", "a&b", "childrens_home"]])
@pytest.mark.parametrize("error", [None, ERROR])
@pytest.mark.parametrize("hint", [None, "The setting's <latest> judgement"])
def test_checkboxes_field(checked, error, hint):
    lean, govuk = both(
        'fields.checkboxes_field("needs", "Needs it meets", options, checked, error, hint=hint)',
        'govukCheckboxes({"idPrefix": "needs", "name": "needs",'
        ' "classes": "govuk-checkboxes--small", "fieldset": {"legend": {"text": "Needs it meets",'
        ' "classes": "govuk-fieldset__legend--s"}}, "hint": {"text": hint} if hint else none,'
        ' "items": items, "errorMessage": error})',
        options=OPTIONS, checked=checked, error=error, hint=hint,
        items=[{"value": v, "text": t, "checked": v in checked} for v, t in OPTIONS])
    assert lean == govuk


@pytest.mark.parametrize("values", [{}, {"by-day": "1", "by-month": "2", "by-year": "2027"},
                                    {"by-day": '"><b>', "by-year": "20x7"}])
@pytest.mark.parametrize("error", [None, ERROR])
def test_date_field(values, error):
    mark = " govuk-input--error" if error else ""
    lean, govuk = both(
        'fields.date_field("by", "Available by", "For example, 27 3 2027", values, error)',
        'govukDateInput({"id": "by", "namePrefix": "by", "fieldset": {"legend": {"text":'
        ' "Available by", "classes": "govuk-fieldset__legend--s"}}, "hint": {"text":'
        ' "For example, 27 3 2027"}, "errorMessage": error, "items": items})',
        values=values, error=error,
        items=[{"name": part, "classes": f"govuk-input--width-{width}{mark}",
                "value": values.get(f"by-{part}", "")}
               for part, width in (("day", 2), ("month", 2), ("year", 4))])
    assert lean == govuk
