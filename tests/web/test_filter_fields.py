"""The filter panels' lean field macros (portal/templates/_filter_fields.html) and the list
pages' pager (portal/templates/_pagination.html) write the markup GOV.UK Frontend's own macros
write for the same values: compared as parsed HTML (the same
elements, attributes and text; whitespace between them aside), with and without errors, hints,
chosen options and values that need escaping."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import html5lib
import pytest
from jinja2 import ChoiceLoader, Environment, FileSystemLoader, PackageLoader, PrefixLoader

import portal
from portal.presenters import page_numbers

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
{% from "govuk_frontend_jinja/components/pagination/macro.html" import govukPagination %}
{% from "_pagination.html" import pager with context %}
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

    if "wrap" in values:  # the govuk call inside the markup the lean one writes itself
        govuk_html = ENV.from_string(IMPORTS + "{% set govuk %}{{ " + govuk + " }}{% endset %}"
                                     + values["wrap"]).render(**values)
        return render(lean), tree(govuk_html)

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


@dataclass(frozen=True)
class Page:
    number: int
    count: int


def address(**changes) -> str:
    return f"/list?sort=fee&amp=1&page={changes['page']}"


@pytest.mark.parametrize(("number", "count"), [(1, 2), (2, 2), (1, 9), (5, 9), (9, 9),
                                               (3, 1004), (1002, 1004)])
@pytest.mark.parametrize("target", [None, "#results"])
def test_pager(number, count, target):
    """The pages' pager writes what govukPagination writes for the same links."""
    page = Page(number, count)
    items = [{"ellipsis": True} if n is None else
             {"number": n, "href": address(page=n), "current": n == number}
             for n in page_numbers(page)]
    wrapped = ('{% if target %}<div hx-boost="true" hx-target="{{ target }}" hx-push-url="true">'
               "{% endif %}{{ govuk }}{% if target %}</div>{% endif %}")
    lean, govuk = both(
        "pager(page, target)",
        'govukPagination({"previous": {"href": url_with(page=page.number - 1)}'
        ' if page.number > 1 else none, "next": {"href": url_with(page=page.number + 1)}'
        ' if page.number < page.count else none, "items": items})',
        page=page, target=target, items=items, url_with=address, page_numbers=page_numbers,
        wrap=wrapped)
    assert lean == govuk
    assert sum("aria-current" in line for line in lean) == 1
