"""Out-of-area placements through the real views: the approval a placement in another area
needs (refused field by field when missing or from the wrong role), an emergency's approval
and notice afterwards, the host authority's page (no child reference), who may see what, and
the administrators' adjoining authorities."""

from __future__ import annotations

import html
import re
from datetime import date, timedelta

import pytest

from tests.conftest import account_for
from tests.web.test_placement_pages import date_fields, demo_setting, record_form
from tests.web.test_placement_pages import error_text as escaped_errors

CHILD_PAGE = re.compile(r"^/placements/children/(C[0-9A-Z]{12})$")


def error_text(response) -> str:
    return html.unescape(escaped_errors(response))


RECORD_LINK = re.compile(r'/out-of-area/([0-9a-f-]{36})/approval')


def director(on: date) -> dict[str, str]:
    return {"approver_name": "Jo Director", "approver_role": "director",
            **date_fields("approved_on", on),
            "approval_reason": "The only home able to meet his needs"}


def in_west_sussex(child_id: str, start: date, **overrides) -> dict[str, str]:
    """Kent places a child in a West Sussex home: at a distance (they do not adjoin)."""
    pid, sid, _ = demo_setting("938")
    return record_form(child_id, start, provider=str(pid), setting_id=str(sid), **overrides)


@pytest.fixture
def kent(client, officer):
    client.sign_in(officer)
    return client


def test_a_planned_placement_at_a_distance_needs_the_directors_approval(kent):
    start = date.today() - timedelta(days=1)
    refused = kent.post_form("/placements/new", in_west_sussex("OA-1", start,
                                                                urgency="planned"))
    assert refused.status_code == 200
    assert "needs approval by the director of children's services before it starts" in \
        error_text(refused)
    nominated = {**director(start), "approver_role": "nominated_officer"}
    refused = kent.post_form("/placements/new", in_west_sussex(
        "OA-1", start, urgency="planned", **nominated))
    assert "only the director of children's services can approve it" in error_text(refused)
    partial = kent.post_form("/placements/new", in_west_sussex(
        "OA-1", start, urgency="planned", approver_name="Jo Director"))
    assert all(message in error_text(partial) for message in (
        "Choose the approver's role", "Enter the date the placement was approved",
        "Give the reason for the approval"))  # every missing part at once
    done = kent.post_form("/placements/new", in_west_sussex(
        "OA-1", start, urgency="planned", **director(start)))
    assert done.status_code == 302, error_text(done)
    child = CHILD_PAGE.match(done.headers["Location"]).group(1)
    page = kent.get("/out-of-area/").get_data(as_text=True)
    assert child in page and "Jo Director" in page
    assert "Yes: not in an adjoining authority" in page
    assert "Consultation on a placement at a distance" in page
    # The demo's children came from SSDA903 returns: history, approval not recorded.
    history = page[page.index("Placed out of area before the portal recorded approvals"):]
    assert "Not recorded" in history and child not in history
    timeline = kent.get(f"/placements/children/{child}").get_data(as_text=True)
    assert "Out-of-area approval" in timeline
    assert f"Director of children&#39;s services: Jo Director, {start:%d/%m/%Y}" in timeline


def test_an_emergency_is_approved_and_its_host_notified_afterwards(kent, client):
    start = date.today() - timedelta(days=1)
    done = kent.post_form("/placements/new", in_west_sussex("OA-2", start,
                                                             urgency="emergency"))
    assert done.status_code == 302, error_text(done)
    child = CHILD_PAGE.match(done.headers["Location"]).group(1)
    page = kent.get("/out-of-area/").get_data(as_text=True)
    section = page[page.index(child):]
    assert "Missing" in section and "Not sent yet" in section
    record = RECORD_LINK.search(section).group(1)
    blank = kent.post_form(f"/out-of-area/{record}/approval", {})
    assert blank.status_code == 200
    assert all(m in error_text(blank) for m in (
        "Enter the name of the person who approved the placement",
        "Choose the approver's role", "Enter the date the placement was approved",
        "Give the reason for the approval"))
    approved = kent.post_form(f"/out-of-area/{record}/approval", director(date.today()))
    assert approved.status_code == 302
    notified = kent.post_form(f"/out-of-area/{record}/notify")
    assert notified.status_code == 302
    assert "West Sussex has been consulted" in kent.get("/out-of-area/").get_data(as_text=True)
    again = kent.post_form(f"/out-of-area/{record}/notify")
    assert again.status_code == 302  # told it was sent already, nothing stored
    kent_host = kent.get("/host-notices/").get_data(as_text=True)
    assert "Consultation on a placement at a distance" not in kent_host

    client.post_form("/sign-out")
    client.sign_in(account_for("council_officer", "West Sussex"))
    host = client.get("/host-notices/")
    assert host.status_code == 200
    text = host.get_data(as_text=True)
    assert "Consultation on a placement at a distance" in text and "Kent" in text
    assert "Aged 10 to 15" in text or "Aged 16 and 17" in text
    assert "placements@kent.example.org" in text
    assert child not in text and "OA-2" not in text
    # Another authority cannot open Kent's record.
    assert client.get(f"/out-of-area/{record}/approval").status_code == 404
    assert client.post_form(f"/out-of-area/{record}/notify").status_code == 404


def test_providers_see_neither_page(client, provider_user):
    client.sign_in(provider_user)
    assert client.get("/out-of-area/").status_code == 403
    assert client.get("/host-notices/").status_code == 403


def test_administrators_add_adjoining_authorities(client):
    client.sign_in(account_for("platform_admin"))
    page = client.get("/admin/adjoining-authorities/")
    assert page.status_code == 200 and "Bournemouth, Christchurch and Poole" in \
        page.get_data(as_text=True)
    bad = client.post_form("/admin/adjoining-authorities/", {
        "ons_code": "E07000105", "adjoining_ons_code": "", "reason": ""})
    assert bad.status_code == 400
    assert all(m in error_text(bad) for m in (
        "Enter an upper-tier authority's ONS code, like E10000016",
        "Enter the adjoining authority's ONS code", "Say how the boundary was checked"))
    known = client.post_form("/admin/adjoining-authorities/", {
        "ons_code": "E10000008", "adjoining_ons_code": "e06000059", "reason": "Checked"})
    assert "already recorded as adjoining" in error_text(known)
    added = client.post_form("/admin/adjoining-authorities/", {
        "ons_code": "E06000044", "adjoining_ons_code": "E06000046",
        "reason": "Agreed by the partnership for the ferry"})
    assert added.status_code == 302
    shown = client.get("/admin/adjoining-authorities/").get_data(as_text=True)
    assert "Added: Agreed by the partnership for the ferry" in shown
    client.post_form("/sign-out")
    client.sign_in(account_for("council_officer", "Kent"))
    assert client.get("/admin/adjoining-authorities/").status_code == 403


def test_a_change_to_a_home_in_another_area_and_back_tells_the_host_both(kent, client):
    started = date.today() - timedelta(days=20)
    done = kent.post_form("/placements/new", record_form("OA-3", started))  # a Kent home
    assert done.status_code == 302, error_text(done)
    child = CHILD_PAGE.match(done.headers["Location"]).group(1)
    pid, sid, _ = demo_setting("938")
    move = {"rne": "P", "legal_status": "C2", "place": "K2", "place_provider": "PR4",
            "provider": str(pid), "setting_id": str(sid), "weekly_cost": "4557",
            "contract_route": "spot"}
    moved_on = date.today() - timedelta(days=10)
    unsaid = kent.post_form(f"/placements/children/{child}/change", {
        **date_fields("on", moved_on), **move})
    assert "Say whether the placement is planned or an emergency" in error_text(unsaid)
    moved = kent.post_form(f"/placements/children/{child}/change", {
        **date_fields("on", moved_on), **move, "urgency": "planned",
        **director(moved_on - timedelta(days=1))})
    assert moved.status_code == 302, error_text(moved)
    kent_pid, kent_sid, _ = demo_setting("886")
    back = kent.post_form(f"/placements/children/{child}/change", {
        **date_fields("on", date.today()), **move, "provider": str(kent_pid),
        "setting_id": str(kent_sid)})
    assert back.status_code == 302, error_text(back)
    page = kent.get("/out-of-area/").get_data(as_text=True)
    section = page[page.index(child):]
    assert "Notification that a placement ended" in section.split("<h2")[0]

    client.post_form("/sign-out")
    client.sign_in(account_for("council_officer", "West Sussex"))
    host = client.get("/host-notices/").get_data(as_text=True)
    assert "Notification that a placement ended" in host
    assert f"Ended {date.today().day} {date.today():%B %Y}" in host
    assert child not in host
