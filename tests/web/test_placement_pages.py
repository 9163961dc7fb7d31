"""Children in our care through the real views: record, change, end and correct placements,
the list and its filters, a child's timeline, and who may see what."""

from __future__ import annotations

import logging
import re
import uuid
from datetime import date, timedelta
from pathlib import Path

import pytest

from domain.organisation import authority_id, setting_id
from portal.demo import region
from portal.demo.loader import provider_id
from tests.conftest import account_for

CHILD_PAGE = re.compile(r"^/placements/children/(C[0-9A-Z]{12})$")
KENT, DORSET = authority_id("886"), authority_id("838")


def demo_setting(la_code: str, setting_type: str = "childrens_home"):
    """A demo setting hosted by ``la_code``: (provider id, setting id, setting fact)."""
    for provider in region.PROVIDERS:
        for setting in provider.settings:
            if setting.host_la_code == la_code and setting.setting_type == setting_type:
                pid = provider_id(provider.name)
                return pid, setting_id(pid, setting.name), setting
    raise LookupError(la_code)


def another_providers_setting():
    """A setting run by a provider other than the one :func:`record_form` chooses."""
    kent_provider = demo_setting("886")[0]
    provider = next(p for p in region.PROVIDERS if provider_id(p.name) != kent_provider)
    return setting_id(provider_id(provider.name), provider.settings[0].name)


def date_fields(name: str, day: date) -> dict[str, str]:
    return {f"{name}-day": str(day.day), f"{name}-month": str(day.month),
            f"{name}-year": str(day.year)}


def record_form(child_id: str, start: date, /, **overrides) -> dict[str, str]:
    """A first placement in a Kent children's home, bought spot."""
    pid, sid, _ = demo_setting("886")
    data = {
        "child_id": child_id, "birth_month-month": "5", "birth_month-year": "2010",
        "sex": "1", "uasc": "no", **date_fields("start", start), "legal_status": "C2",
        "cin": "N1", "place": "K2", "place_provider": "PR4", "provider": str(pid),
        "setting_id": str(sid), "placement_area": "", "home_postcode": "me14 1ab",
        "placement_postcode": "", "weekly_cost": "4557", "contract_route": "spot",
        "contract_id": "", "reason": "",
    }
    data.update(overrides)
    return data


def record(client, child_id: str, start: date, /, **overrides) -> str:
    """Record a placement through the page; returns the child's reference."""
    response = client.post_form("/placements/new", record_form(child_id, start, **overrides))
    assert response.status_code == 302, error_text(response)
    return CHILD_PAGE.match(response.headers["Location"]).group(1)


def error_text(response) -> str:
    page = response.get_data(as_text=True)
    return " | ".join(re.findall(r'govuk-error-message">\s*<span[^>]*>Error:</span>\s*([^<]+)',
                                 page)) or page[:300]


def field_error(page: str, field: str) -> str:
    """The error message shown beside ``field`` (its element with id ``field``-error)."""
    match = re.search(rf'id="{re.escape(field)}-error"[^>]*>\s*<span[^>]*>Error:</span>'
                      r"\s*([^<]+)", page)
    return match.group(1).strip() if match else ""


@pytest.fixture
def kent(client, officer):
    client.sign_in(officer)
    return client


# --- recording ---------------------------------------------------------------------------------

def test_record_a_placement_and_read_its_timeline(kent):
    form = kent.get("/placements/new")
    assert form.status_code == 200
    page = form.get_data(as_text=True)
    assert "K2: Children&#39;s home" in page
    assert "K3: Registered supported accommodation (16+) (from 2024-25)" in page
    assert "H5: Semi-independent" in page and "(until 2024-25)" in page

    ref = record(kent, "KT-1001", date(2017, 2, 3))
    timeline = kent.get(f"/placements/children/{ref}")
    assert timeline.status_code == 200
    page = timeline.get_data(as_text=True)
    assert "Placement recorded" in page
    _, _, setting = demo_setting("886")
    assert setting.name.replace("'", "&#39;") in page
    assert "K2: Children&#39;s home" in page
    assert "C2: Full care order" in page
    assert "S: Started to be looked after" in page
    assert "Inside our area (Kent)" in page
    assert "£4,557" in page
    assert "Spot purchase" in page
    assert "ME14 1" in page and "ME14 1AB" not in page  # a full postcode is cut to its sector
    assert "May 2010" in page
    assert "Episode 1: 3 February 2017 to now" in page


def test_change_end_and_start_again(kent):
    ref = record(kent, "KT-1002", date(2017, 2, 6))
    change = kent.get(f"/placements/children/{ref}/change")
    assert 'value="4557"' in change.get_data(as_text=True)  # starts as the current details
    changed = kent.post_form(f"/placements/children/{ref}/change", {
        **date_fields("on", date(2018, 6, 1)), "rne": "P", "reason_place_change": "CARPL",
        "legal_status": "C2", "place": "U4", "place_provider": "PR1", "provider": "in_house",
        "setting_id": "", "placement_area": str(KENT), "home_postcode": "ME14 1",
        "weekly_cost": "420", "contract_route": "", "contract_id": ""})
    assert changed.status_code == 302, error_text(changed)
    page = kent.get(f"/placements/children/{ref}").get_data(as_text=True)
    assert "Episode 1: 6 February 2017 to 1 June 2018" in page
    assert "X1: Episode ceased and new episode begins on the same day" in page
    assert "Episode 2: 1 June 2018 to now" in page
    assert "U4: Foster placement with other foster carer, long term fostering" in page
    assert "Foster care, council carers" in page
    assert "In-house (the council&#39;s own provision)" in page  # route set for in-house
    assert "CARPL: Change to the care plan" in page

    ended = kent.post_form(f"/placements/children/{ref}/end", {
        **date_fields("on", date(2019, 3, 31)), "rec": "E13"})
    assert ended.status_code == 302, error_text(ended)
    page = kent.get(f"/placements/children/{ref}").get_data(as_text=True)
    assert "Left care" in page and "E13: Left care to live with parent(s)" in page
    assert "Record a new period of care" in page
    # A changed or ended child can no longer be changed or ended: the pages send them back.
    assert kent.get(f"/placements/children/{ref}/end").status_code == 302

    again = kent.post_form(f"/placements/children/{ref}/new-period", {
        **date_fields("start", date(2020, 1, 10)), "legal_status": "V2", "place": "K2",
        "provider": "unknown", "weekly_cost": "5000"})
    assert again.status_code == 302, error_text(again)
    page = kent.get(f"/placements/children/{ref}").get_data(as_text=True)
    assert "Episode 3: 10 January 2020 to now" in page
    assert "Not in the directory" in page
    # Finding the child again by the council's own id leads back to the same page.
    found = kent.post_form("/placements/find-child", {"child_id": "KT-1002"})
    assert found.status_code == 302
    assert found.headers["Location"] == f"/placements/children/{ref}"


def test_variants_of_a_childs_id_find_one_child_and_lookalikes_are_refused(kent):
    """Issue 17, finding 7, through the forms: a full-width or lower-case retyping of an id is
    the same child; an id with a Cyrillic letter or a zero-width space is refused beside the
    field, and recording a placement with one stores nothing."""
    ref = record(kent, "KT-1099", date(2017, 2, 16))
    for variant in ("kt-1099", "\uff2b\uff34\uff0d\uff11\uff10\uff19\uff19", " KT-1099 "):
        found = kent.post_form("/placements/find-child", {"child_id": variant})
        assert found.headers.get("Location") == f"/placements/children/{ref}", variant
    again = kent.post_form("/placements/new", record_form("kt-1099", date(2018, 3, 1)))
    assert "open placement" in field_error(again.get_data(as_text=True), "child_id")
    for lookalike, why in (("\u041aT-1099", "another alphabet"),
                           ("KT-10\u200b99", "invisible character"),
                           ("\u202eKT-1099", "invisible character")):
        found = kent.post_form("/placements/find-child", {"child_id": lookalike})
        assert why in field_error(found.get_data(as_text=True), "child_id"), lookalike
        refused = kent.post_form("/placements/new", record_form(lookalike, date(2018, 3, 1)))
        assert refused.status_code == 200
        assert why in field_error(refused.get_data(as_text=True), "child_id"), lookalike


def test_correct_an_episode_and_the_childs_details(kent):
    ref = record(kent, "KT-1003", date(2017, 2, 9))
    form = kent.get(f"/placements/children/{ref}/episodes/1/correct").get_data(as_text=True)
    assert 'value="4557"' in form and 'value="ME14 1"' in form
    values = {**record_form("", date(2017, 2, 9)), "child_id": None}
    values = {k: v for k, v in values.items() if v is not None and not k.startswith("birth")}
    values.update(rne="S", home_postcode="ME14 1", weekly_cost="4800")

    no_reason = kent.post_form(f"/placements/children/{ref}/episodes/1/correct", values)
    page = no_reason.get_data(as_text=True)
    assert field_error(page, "reason") == "Say why the record is being corrected"
    assert "<title>Error: Correct episode 1" in page
    assert 'value="4800"' in page  # what was typed is kept

    unchanged = kent.post_form(f"/placements/children/{ref}/episodes/1/correct",
                               {**values, "weekly_cost": "4557", "reason": "checking"})
    assert field_error(unchanged.get_data(as_text=True), "start").startswith("Nothing has")

    corrected = kent.post_form(f"/placements/children/{ref}/episodes/1/correct",
                               {**values, "reason": "Invoice showed the agreed fee"})
    assert corrected.status_code == 302, error_text(corrected)
    page = kent.get(f"/placements/children/{ref}").get_data(as_text=True)
    assert "£4,800" in page and "£4,557" not in page

    details = kent.post_form(f"/placements/children/{ref}/correct", {
        "birth_month-month": "7", "birth_month-year": "2009", "sex": "2", "uasc": "yes",
        "reason": "Typed from the wrong record"})
    assert details.status_code == 302, error_text(details)
    page = kent.get(f"/placements/children/{ref}").get_data(as_text=True)
    assert "July 2009" in page and "Female" in page

    bad = kent.post_form(f"/placements/children/{ref}/correct", {
        "birth_month-month": "13", "birth_month-year": "2009", "sex": "2", "uasc": "yes",
        "reason": "again"})
    assert field_error(bad.get_data(as_text=True), "birth_month").startswith(
        "Month and year of birth must be a real month")
    assert kent.get(f"/placements/children/{ref}/episodes/2/correct").status_code == 404


@pytest.mark.parametrize(("overrides", "field", "message"), [
    ({"start-year": str(date.today().year + 1)}, "start",
     "The start date cannot be in the future"),
    ({"start-day": "31", "start-month": "2"}, "start", "Start date must be a real date"),
    ({"place": "ZZ"}, "place", "Choose the placement type from the list"),
    ({"place": "K3"}, "place", "K3 is not a valid placement type code for 2016-17"),
    ({"place": "H5", **date_fields("start", date(2025, 6, 2))}, "place",
     "H5 is not a valid placement type code for 2025-26"),
    ({"legal_status": ""}, "legal_status", "Choose the legal status"),
    ({"child_id": ""}, "child_id", "Enter your council's id for the child"),
    ({"child_id": "has space"}, "child_id", "The child id must not contain spaces"),
    # Digits of another script: a superscript answered 500, a full-width date was accepted.
    ({"birth_month-month": "\u00b2"}, "birth_month",
     "Month and year of birth must be a real month, like 5 2012"),
    ({"start-day": "\uff11\uff12"}, "start", "Start date must be a real date"),
    ({"birth_month-year": "2018"}, "start",
     "The placement cannot start before the child was born"),
    ({"sex": ""}, "sex", "Choose the child's sex"),
    ({"home_postcode": "NOT A POSTCODE"}, "home_postcode",
     "Enter the home postcode district or sector, like DT1 or DT1 1"),
    ({"weekly_cost": "90000"}, "weekly_cost", "Weekly cost must be between £0 and £50,000"),
    ({"weekly_cost": "lots"}, "weekly_cost",
     "Weekly cost must be an amount in pounds, like £5,200"),
    ({"provider": ""}, "provider", "Choose the provider, or say the placement is in-house or "
                                   "not in the directory"),
    ({"provider": "in_house", "contract_route": "spot"}, "contract_route",
     "The council's own provision is in-house: choose in-house, or choose the provider"),
    ({"setting_id": str(another_providers_setting())}, "setting_id",
     "Choose one of the provider's settings"),
    ({"contract_id": str(uuid.uuid4()), "contract_route": "block"}, "contract_id",
     "Choose one of your authority's contracts"),
])
def test_bad_input_is_refused_beside_its_field_and_stores_nothing(kent, overrides, field,
                                                                    message):
    raw = f"KT-BAD-{uuid.uuid4().hex[:8]}"
    response = kent.post_form("/placements/new", record_form(raw, date(2017, 2, 12),
                                                             **overrides))
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert field_error(page, field) == message.replace("'", "&#39;")
    assert "<title>Error: Record a placement" in page
    assert f'href="#{field}' in page  # the error summary links to the field
    assert raw not in page
    # Nothing was stored: the council's id finds no child.
    found = kent.post_form("/placements/find-child", {"child_id": raw})
    assert "No child in your authority&#39;s records has that id" in found.get_data(as_text=True)


def test_a_child_keeps_one_open_placement_and_dates_stay_in_order(kent):
    ref = record(kent, "KT-1004", date(2017, 2, 15))
    again = kent.post_form("/placements/new", record_form("KT-1004", date(2017, 3, 1)))
    assert field_error(again.get_data(as_text=True), "child_id") == (
        "This child already has an open placement with your authority: record a change "
        "instead")

    early = kent.post_form(f"/placements/children/{ref}/end", {
        **date_fields("on", date(2017, 1, 1)), "rec": "E13"})
    assert field_error(early.get_data(as_text=True), "on") == (
        "The end date must not be before the current episode started (15 February 2017)")
    future = kent.post_form(f"/placements/children/{ref}/end", {
        **date_fields("on", date.today() + timedelta(days=3)), "rec": "E13"})
    assert field_error(future.get_data(as_text=True), "on") == (
        "The end date cannot be in the future")
    no_reason = kent.post_form(f"/placements/children/{ref}/end",
                               date_fields("on", date(2018, 1, 1)))
    assert field_error(no_reason.get_data(as_text=True), "rec") == (
        "Choose the reason the placement ended")
    continuing = kent.post_form(f"/placements/children/{ref}/end", {
        **date_fields("on", date(2018, 1, 1)), "rec": "X1"})
    assert field_error(continuing.get_data(as_text=True), "rec").startswith("Choose the reason")

    change = kent.post_form(f"/placements/children/{ref}/change", {
        **date_fields("on", date(2016, 1, 1)), "rne": "P", "legal_status": "C2",
        "place": "K2", "provider": "unknown"})
    assert field_error(change.get_data(as_text=True), "on") == (
        "The date of the change must not be before the current episode started "
        "(15 February 2017)")
    same = kent.post_form(f"/placements/children/{ref}/change", {
        **date_fields("on", date(2018, 1, 1)), "rne": "S", "legal_status": "C2",
        "place": "K2", "provider": "unknown"})
    assert field_error(same.get_data(as_text=True), "rne") == (
        "Choose the reason for the new episode from the list")
    page = kent.get(f"/placements/children/{ref}").get_data(as_text=True)
    assert "Episode 2" not in page and "In care now" in page


def test_a_placement_under_the_authoritys_own_contract_and_not_anothers(kent, client):
    pid, _, _ = demo_setting("886")
    contract = kent.post_form("/contracts/new", {
        "title": "Kent residential block", "provider_id": str(pid), "route": "block",
        "setting_type": "childrens_home", "places": "4", "weekly_price": "4300",
        **date_fields("start", date(2016, 4, 1)), **date_fields("end", date(2030, 3, 31))})
    assert contract.status_code == 302, error_text(contract)
    contract_id = contract.headers["Location"].rsplit("/", 1)[1]
    ref = record(kent, "KT-1005", date(2017, 2, 18), contract_route="",
                 contract_id=contract_id)
    page = kent.get(f"/placements/children/{ref}").get_data(as_text=True)
    assert "Kent residential block" in page and "Block contract" in page
    shown = kent.get(f"/contracts/{contract_id}").get_data(as_text=True)
    assert re.search(r"Children placed under it now\s*</dt>\s*<dd[^>]*>\s*1\s*</dd>", shown)

    dorset = _other_authority_contract(client.application, pid)
    refused = kent.post_form("/placements/new", record_form(
        "KT-1006", date(2017, 2, 18), contract_route="block", contract_id=str(dorset)))
    assert field_error(refused.get_data(as_text=True), "contract_id") == (
        "Choose one of your authority&#39;s contracts")
    assert kent.get(f"/contracts/{dorset}").status_code == 404


def _other_authority_contract(app, provider) -> uuid.UUID:
    from domain.actor import Actor

    svc = app.extensions["portal"]
    contract, position = svc.portal.record_contract(
        Actor(user_id=uuid.uuid4(), organisation_id=DORSET), authority_id=DORSET,
        provider_id=provider, route="block", title="Dorset block", setting_type="childrens_home",
        places=3, weekly_price=4000, start=date(2016, 4, 1), end=date(2030, 3, 31))
    svc.projections.wait_for(position)
    return contract


# --- the list ----------------------------------------------------------------------------------

def _refs(page: str) -> set[str]:
    return set(re.findall(r'href="/placements/children/(C[0-9A-Z]{12})"', page))


def test_the_list_filters_by_status_type_area_route_and_dates(kent):
    in_area = record(kent, "KT-2001", date(2016, 5, 2))
    pid, sid, _ = demo_setting("938")  # West Sussex: outside Kent's area
    out_area = record(kent, "KT-2002", date(2016, 5, 3), provider=str(pid), setting_id=str(sid),
                      place="K2", contract_route="framework", urgency="emergency")
    fostered = record(kent, "KT-2003", date(2016, 5, 4), provider="in_house", setting_id="",
                      place="U6", place_provider="PR1", contract_route="")
    ended = record(kent, "KT-2004", date(2016, 5, 5), provider="unknown", setting_id="")
    kent.post_form(f"/placements/children/{ended}/end", {
        **date_fields("on", date(2016, 9, 1)), "rec": "E4A"})
    mine = {in_area, out_area, fostered, ended}
    window = ("started_from-day=2&started_from-month=5&started_from-year=2016"
              "&started_to-day=5&started_to-month=5&started_to-year=2016")

    def shown(query: str) -> set[str]:
        response = kent.get(f"/placements/?{window}&{query}")
        assert response.status_code == 200
        return _refs(response.get_data(as_text=True)) & mine

    assert shown("status=open") == {in_area, out_area, fostered}
    assert shown("status=ended") == {ended}
    assert shown("status=all") == mine
    assert shown("status=all&group=childrens_home") == {in_area, out_area, ended}
    assert shown("status=all&group=fostering_in_house") == {fostered}
    assert shown("status=all&place=U6") == {fostered}
    assert shown("status=all&area=in") == {in_area}
    assert shown("status=all&area=out") == {out_area}
    assert shown("status=all&area=unknown") == {fostered, ended}
    assert shown("status=all&route=framework") == {out_area}
    assert shown("status=all&route=in_house") == {fostered}
    narrow = kent.get("/placements/?status=all&started_from-day=3&started_from-month=5"
                      "&started_from-year=2016&started_to-day=4&started_to-month=5"
                      "&started_to-year=2016").get_data(as_text=True)
    assert _refs(narrow) & mine == {out_area, fostered}
    page = kent.get(f"/placements/?{window}&status=all&area=out").get_data(as_text=True)
    assert "Outside our area (West Sussex)" in page


def test_htmx_gets_only_the_results_fragment(kent):
    ref = record(kent, "KT-2101", date(2016, 7, 1))
    query = ("status=all&started_from-day=1&started_from-month=7&started_from-year=2016"
             "&started_to-day=1&started_to-month=7&started_to-year=2016")
    response = kent.get(f"/placements/?{query}", headers={"HX-Request": "true",
                                                          "HX-Target": "results"})
    fragment = response.get_data(as_text=True)
    assert "<html" not in fragment and "<h1" not in fragment
    assert 'id="results-heading"' in fragment and ref in fragment
    assert 'id="results-status"' in fragment and 'hx-swap-oob="true"' in fragment
    full = kent.get(f"/placements/?{query}").get_data(as_text=True)
    assert 'hx-get="/placements/"' in full and 'hx-push-url="true"' in full
    assert 'action="/placements/"' in full


@pytest.mark.parametrize(("query", "field", "message"), [
    ("status=sometimes", "status", "Choose who to show from the list"),
    ("group=castles", "group", "Choose the kind of placement from the list"),
    ("place=Q9", "place", "Choose the placement type from the list"),
    ("started_from-day=31&started_from-month=2&started_from-year=2020", "started_from",
     "First start date must be a real date"),
    ("started_from-day=2&started_from-month=1&started_from-year=2020&started_to-day=1"
     "&started_to-month=1&started_to-year=2020", "started_to",
     "The first start date must not be after the last"),
    ("page=x", "page", "Page must be a whole number"),
])
def test_bad_filters_get_a_clear_message(kent, query, field, message):
    response = kent.get(f"/placements/?{query}")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert message in page
    assert page.count("<title>Error: Children in our care") == 1


def test_finding_a_child_by_id_never_puts_the_id_in_a_page_address_or_log(kent, app, caplog):
    caplog.set_level(logging.DEBUG)
    raw = "RAW-CHILD-ID-77123"
    responses = [kent.post_form("/placements/new", record_form(raw, date(2017, 3, 1),
                                                               weekly_cost="x"))]
    kept = responses[0].get_data(as_text=True)
    ref = re.search(r'name="child_ref" value="(C[0-9A-Z]{12})"', kept).group(1)
    # The second attempt sends only the hidden reference, not the id.
    retry = record_form("", date(2017, 3, 1), child_ref=ref)
    responses.append(kent.post_form("/placements/new", retry))
    assert responses[-1].headers["Location"] == f"/placements/children/{ref}"
    responses.append(kent.post_form("/placements/find-child", {"child_id": raw}))
    responses.append(kent.get(responses[-1].headers["Location"]))
    responses.append(kent.get("/placements/?status=all"))
    for response in responses:
        assert raw not in response.get_data(as_text=True)
        assert raw not in response.headers.get("Location", "")
        assert raw not in response.request.url
    assert raw not in caplog.text
    database = Path(app.extensions["portal"].database.url.database)
    for path in (database, Path(f"{database}-wal")):
        if path.exists():
            assert raw.encode() not in path.read_bytes()


def test_the_list_pages_its_rows(kent):
    query = ("status=all&started_from-day=1&started_from-month=8&started_from-year=2016"
             "&started_to-day=30&started_to-month=8&started_to-year=2016")
    before = _refs(kent.get(f"/placements/?{query}").get_data(as_text=True))
    made = {record(kent, f"KT-PG-{n}", date(2016, 8, 1) + timedelta(days=n)) for n in range(27)}
    first = _refs(kent.get(f"/placements/?{query}").get_data(as_text=True))
    second = _refs(kent.get(f"/placements/?{query}&page=2").get_data(as_text=True))
    assert len(first) == 25 and not first & second
    assert (first | second) - before == made


# --- tenancy -----------------------------------------------------------------------------------

def test_another_authoritys_child_is_not_found(client):
    client.sign_in(account_for("council_officer", "Dorset"))
    dorset_ref = record(client, "SHARED-ID-1", date(2017, 4, 3),
                        **_dorset_terms())
    client.post_form("/sign-out")
    client.sign_in(account_for("council_officer", "Kent"))
    assert client.get(f"/placements/children/{dorset_ref}").status_code == 404
    for path in (f"/placements/children/{dorset_ref}/change",
                 f"/placements/children/{dorset_ref}/end",
                 f"/placements/children/{dorset_ref}/correct",
                 f"/placements/children/{dorset_ref}/episodes/1/correct",
                 f"/placements/children/{dorset_ref}/new-period"):
        assert client.get(path).status_code == 404, path
        assert client.post_form(path, {"reason": "x", "rec": "E13",
                                       **date_fields("on", date(2018, 1, 1))}
                                ).status_code == 404, path
    assert dorset_ref not in client.get("/placements/?status=all").get_data(as_text=True)
    # The same council id in Kent is another child: Kent's reference differs.
    found = client.post_form("/placements/find-child", {"child_id": "SHARED-ID-1"})
    assert "No child in your authority&#39;s records" in found.get_data(as_text=True)
    kent_ref = record(client, "SHARED-ID-1", date(2017, 4, 3))
    assert kent_ref != dorset_ref


def _dorset_terms() -> dict[str, str]:
    pid, sid, _ = demo_setting("838")
    return {"provider": str(pid), "setting_id": str(sid), "home_postcode": "DT1 1"}


@pytest.mark.parametrize("role", ["provider_user", "auditor", "platform_admin"])
def test_only_council_officers_use_the_placement_pages(client, role):
    client.sign_in(account_for(role))
    ref = "C" + "A" * 12
    for path in ("/placements/", "/placements/new", f"/placements/children/{ref}",
                 f"/placements/children/{ref}/change", "/contracts/", "/contracts/new",
                 f"/contracts/{uuid.uuid4()}", "/targets/"):
        assert client.get(path).status_code == 403, path
    assert client.post_form("/placements/find-child", {"child_id": "X"}).status_code == 403
    assert client.post_form("/placements/new", record_form("X", date(2017, 1, 1))
                            ).status_code == 403
    nav = client.get("/").get_data(as_text=True)
    assert 'href="/placements/"' not in nav and 'href="/contracts/"' not in nav


def test_council_officers_see_placements_in_the_navigation(kent):
    page = kent.get("/").get_data(as_text=True)
    assert 'href="/placements/"' in page and 'href="/contracts/"' in page


def test_the_settings_field_follows_the_chosen_provider(kent):
    pid, sid, _ = demo_setting("886")
    fragment = kent.get(f"/placements/setting-options?provider={pid}",
                        headers={"HX-Request": "true"}).get_data(as_text=True)
    assert 'id="setting-field"' in fragment and str(sid) in fragment
    assert "Choose a provider in the directory first" in kent.get(
        "/placements/setting-options?provider=in_house", headers={"HX-Request": "true"}
    ).get_data(as_text=True)
    # Without JavaScript, "Show this provider's settings" reloads the form with them.
    shown = kent.post_form("/placements/new", {**record_form("KT-3001", date(2017, 1, 2)),
                                               "setting_id": "", "show_settings": "1"})
    page = shown.get_data(as_text=True)
    assert shown.status_code == 200 and str(sid) in page
    assert "There is a problem" not in page and "KT-3001" not in page
