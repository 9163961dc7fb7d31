"""The integration API's placements: a council's system starts, reads, changes (If-Match) and
ends its own children's placements and lists them; the council's own child id is hashed at
once and never sent back; another council's child answers exactly like a missing one."""

from __future__ import annotations

from tests.isolation.arguments import missing_child_ref
from tests.web.api_fixtures import views_behind


def start_body(child_id: str, **changes) -> dict:
    """A first placement in foster care with the council's own carers (in-house)."""
    return {"child_id": child_id, "birth_month": "2010-05", "sex": "1", "uasc": False,
            "start": "2017-02-06", "legal_status": "C2", "cin": "N1", "place": "U4",
            "place_provider": "PR1", "provider": "in_house", "home_postcode": "ME14 1",
            "weekly_cost": 420, **changes}


def start(api, child_id: str, **changes):
    return api.post("/placements", start_body(child_id, **changes))


def test_start_answers_201_with_the_record_and_never_the_councils_child_id(council_api):
    response = start(council_api, "KT-API-1")
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert "KT-API-1" not in response.get_data(as_text=True)
    assert body["child_ref"].startswith("C") and body["open"] is True
    assert [e["place"] for e in body["episodes"]] == ["U4"]
    assert response.headers["Location"] == f"/api/v1/placements/{body['child_ref']}"
    assert response.headers["ETag"] == f'"{body["version"]}"'
    assert council_api.get(f"/placements/{body['child_ref']}").get_json() == body


def test_change_then_end_with_if_match_and_a_stale_etag_is_412(council_api):
    started = start(council_api, "KT-API-2")
    ref, etag = started.get_json()["child_ref"], started.headers["ETag"]
    change = {"on": "2018-06-01", "rne": "P", "reason_place_change": "CARPL",
              "legal_status": "C2", "place": "U4", "place_provider": "PR1",
              "provider": "in_house", "weekly_cost": 450}
    changed = council_api.post(f"/placements/{ref}/changes", change, headers={"If-Match": etag})
    assert changed.status_code == 200, changed.get_json()
    assert len(changed.get_json()["episodes"]) == 2
    before = council_api.position()
    stale = council_api.post(f"/placements/{ref}/end", {"on": "2019-03-31", "rec": "E13"},
                             headers={"If-Match": etag})
    assert stale.status_code == 412 and council_api.position() == before
    ended = council_api.post(f"/placements/{ref}/end", {"on": "2019-03-31", "rec": "E13"},
                             headers={"If-Match": changed.headers["ETag"]})
    assert ended.status_code == 200, ended.get_json()
    assert ended.get_json()["open"] is False
    assert ended.get_json()["episodes"][-1]["rec"] == "E13"


def test_a_domain_rule_is_a_field_error_and_stores_nothing(council_api):
    before = council_api.position()
    response = start(council_api, "KT-API-3", place="K3")  # not valid in 2016-17
    assert response.status_code == 422
    assert response.get_json()["errors"] == [
        {"field": "place", "message": "K3 is not a valid placement type code for 2016-17"}]
    assert council_api.position() == before


def test_list_by_cursor_and_status(council_api):
    refs = {start(council_api, f"KT-API-L{i}").get_json()["child_ref"] for i in range(3)}
    seen, cursor = [], None
    while True:
        page = council_api.get("/placements", query_string={
            "status": "all", "limit": 50, **({"cursor": cursor} if cursor else {})}).get_json()
        seen += [item["child_ref"] for item in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert refs <= set(seen) and seen == sorted(seen) and len(seen) == len(set(seen))


def test_another_councils_child_answers_like_a_missing_one(council_api, other_council_api):
    started = start(council_api, "KT-API-4")
    ref, etag = started.get_json()["child_ref"], started.headers["ETag"]
    before = council_api.position()
    missing_ref = missing_child_ref()
    for method, path, body in [
        ("get", f"/placements/{ref}", None),
        ("post", f"/placements/{ref}/end", {"on": "2019-03-31", "rec": "E13"}),
        ("post", f"/placements/{ref}/changes", {"on": "2018-06-01", "rne": "P",
                                                 "legal_status": "C2", "place": "U4",
                                                 "provider": "in_house"}),
    ]:
        call = getattr(other_council_api, method)
        kwargs = {"headers": {"If-Match": etag}}
        other = call(path, body, **kwargs) if body else call(path, **kwargs)
        missing_path = path.replace(ref, missing_ref)
        missing = call(missing_path, body, **kwargs) if body else call(missing_path, **kwargs)
        assert other.status_code == missing.status_code == 404
        assert other.get_data(as_text=True).replace(ref, missing_ref) \
            == missing.get_data(as_text=True)
    listed = other_council_api.get("/placements", query_string={"status": "all",
                                                                "limit": 100}).get_json()
    assert ref not in {item["child_ref"] for item in listed["items"]}
    assert council_api.position() == before


def test_a_provider_client_may_not_touch_placements(provider_api):
    before = provider_api.position()
    assert provider_api.get("/placements").status_code == 403
    assert provider_api.post("/placements", start_body("KT-X")).status_code == 403
    assert provider_api.position() == before


def _setting_outside(api):
    """A children's home in the directory outside the council's area."""
    import sqlalchemy as sa

    from projections.directory import settings

    with api.services.engine.connect() as c:
        return c.execute(sa.select(settings).where(
            settings.c.host_authority_id != api.organisation_id,
            settings.c.setting_type == "childrens_home")
            .order_by(settings.c.id)).mappings().first()


def test_a_change_out_of_area_carries_its_urgency_and_approval_as_the_page_does(council_api):
    import sqlalchemy as sa

    from projections.out_of_area import out_of_area_placements

    started = start(council_api, "KT-API-OOA", start="2024-09-02")
    ref, etag = started.get_json()["child_ref"], started.headers["ETag"]
    setting = _setting_outside(council_api)
    change = {"on": "2025-06-02", "rne": "P", "reason_place_change": "CARPL",
              "legal_status": "C2", "place": "K2", "place_provider": "PR4",
              "provider": str(setting["provider_id"]), "setting_id": str(setting["id"]),
              "weekly_cost": 5200}
    before = council_api.position()
    unsaid = council_api.post(f"/placements/{ref}/changes", change, headers={"If-Match": etag})
    assert unsaid.status_code == 422, unsaid.get_json()
    assert unsaid.get_json()["errors"] == [
        {"field": "urgency", "message": "Say whether the placement is planned or an emergency"}]
    unapproved = council_api.post(f"/placements/{ref}/changes", {**change, "urgency": "planned"},
                                  headers={"If-Match": etag})
    assert unapproved.status_code == 422
    assert {e["field"] for e in unapproved.get_json()["errors"]} == {"approver_name"}
    half = council_api.post(f"/placements/{ref}/changes", {
        **change, "urgency": "planned", "approver_name": "A Director"},
        headers={"If-Match": etag})
    assert {e["field"] for e in half.get_json()["errors"]} == {
        "approver_role", "approved_on", "approval_reason"}  # all four, or none
    assert council_api.position() == before
    approved = council_api.post(f"/placements/{ref}/changes", {
        **change, "urgency": "planned", "approver_name": "A Director",
        "approver_role": "director", "approved_on": "2025-05-28",
        "approval_reason": "The only home able to meet the child's needs"},
        headers={"If-Match": etag})
    assert approved.status_code == 200, approved.get_json()
    assert approved.get_json()["episodes"][-1]["placement_authority_id"] \
        == str(setting["host_authority_id"])
    with council_api.services.engine.connect() as c:
        record = c.execute(sa.select(out_of_area_placements).where(
            out_of_area_placements.c.child_ref == ref)).mappings().one()
    assert (record["urgency"], record["host_authority_id"]) == (
        "planned", setting["host_authority_id"])


def test_a_placement_started_before_the_views_catch_up_is_never_answered_404(
        council_api, monkeypatch):
    """Started while the projection process restarts: the child's new record cannot be read
    yet. The client is told it was stored (503, Retry-After, the record's address), never
    that it does not exist, and is not asked to send it again (a placement command takes no id
    from the key); the record is at that address once the views catch up."""
    before = council_api.position()
    with views_behind(council_api, monkeypatch):
        answer = council_api.post("/placements", start_body("KT-API-BEHIND"),
                                  headers={"Idempotency-Key": "placement-views-behind"})
    assert answer.status_code == 503, answer.get_json()
    problem = answer.get_json()
    assert "was stored" in problem["detail"] and "Do not send it again" in problem["detail"]
    assert "KT-API-BEHIND" not in answer.get_data(as_text=True)
    assert answer.headers["Retry-After"] == "2"
    assert council_api.position() > before
    read = council_api.get(answer.headers["Location"].removeprefix("/api/v1"))
    assert read.status_code == 200, read.get_json()
    assert read.get_json()["open"] is True


def test_a_new_period_of_care_started_before_the_views_catch_up_is_not_answered_stale(
        council_api, monkeypatch):
    """A child placed before has a record already, so finding it proves nothing: until the
    new placement can be read in it, the answer is 503, never a 201 showing it still closed."""
    started = start(council_api, "KT-API-AGAIN")
    ref = started.get_json()["child_ref"]
    ended = council_api.post(f"/placements/{ref}/end", {"on": "2017-03-31", "rec": "E13"},
                             headers={"If-Match": started.headers["ETag"]})
    assert ended.status_code == 200 and ended.get_json()["open"] is False
    with views_behind(council_api, monkeypatch):
        answer = start(council_api, "KT-API-AGAIN", start="2017-06-01")
    assert answer.status_code == 503, answer.get_json()
    assert answer.headers["Location"] == f"/api/v1/placements/{ref}"
    assert council_api.get(f"/placements/{ref}").get_json()["open"] is True
