"""Optimistic concurrency through the lead's tender forms (the draft's terms, the timetable
and the questionnaire): a form opened before someone else changed the tender is refused with
"changed by someone else since you opened it", keeping what was typed, and nothing is saved.
See tests/web/test_edit_form_versions.py."""

from __future__ import annotations

from tests.web.test_edit_form_versions import opened, refused
from tests.web.test_tender_pages import (  # noqa: F401 (fixtures)
    QUESTIONS,
    WEST_SUSSEX,
    actor_for,
    clock,
    draft,
    kent,
    login,
    officer,
    svc,
    tender_form,
)


def someone_else_changes(svc, tender_id, title: str) -> None:  # noqa: F811
    svc.projections.wait_for(svc.portal.revise_tender(
        actor_for(officer("Kent")), tender_id, title=title, reason="A colleague's change"))


def test_a_draft_changed_since_its_form_was_opened_is_not_saved_over(kent, svc):  # noqa: F811
    tender_id = draft(svc)
    keys = opened(kent, f"/tenders/{tender_id}/edit")
    someone_else_changes(svc, tender_id, "Renamed by a colleague")
    ours = tender_form(title="Our own title", **{f"share-{WEST_SUSSEX}": "",
                                                 "estimated_total_value": "28000000"})
    again = refused(kent, f"/tenders/{tender_id}/edit", ours, keys, "This tender",
                    ['value="Our own title"', 'value="28000000"', 'value="solo_placement" checked'])
    tender = svc.portal.get_tender(tender_id)
    assert (tender.title, tender.estimated_total_value) == ("Renamed by a colleague", 35_640_000)
    saved = kent.post_form(f"/tenders/{tender_id}/edit", {**ours, **again})
    assert saved.status_code == 302
    assert svc.portal.get_tender(tender_id).title == "Our own title"


def test_a_questionnaire_opened_before_a_change_is_not_saved_over(kent, svc):  # noqa: F811
    tender_id = draft(svc)
    keys = opened(kent, f"/tenders/{tender_id}/questionnaire")
    someone_else_changes(svc, tender_id, "Renamed by a colleague")
    refused(kent, f"/tenders/{tender_id}/questionnaire", {
        "question-count": "1", "question-1-text": "How many beds could you open?",
        "question-1-kind": "number", "question-1-required": "yes"}, keys, "This tender",
        ["How many beds could you open?"])
    assert not svc.portal.get_tender(tender_id).questionnaire


def test_a_timetable_opened_before_a_change_is_not_saved_over(kent, svc):  # noqa: F811
    from tests.web.test_tender_pages import (
        BID_DEADLINE,
        CLARIFICATIONS_CLOSE,
        ENGAGEMENT_CLOSES,
        moment_fields,
    )

    tender_id = draft(svc)
    keys = opened(kent, f"/tenders/{tender_id}/timetable")
    svc.projections.wait_for(svc.portal.set_questionnaire(
        actor_for(officer("Kent")), tender_id, questions=QUESTIONS))
    ours = {**moment_fields("engagement_closes", ENGAGEMENT_CLOSES),
            **moment_fields("clarification_deadline", CLARIFICATIONS_CLOSE),
            **moment_fields("bid_deadline", BID_DEADLINE), "bid_deadline-time": "15:30",
            "reason": "Later in the day"}
    refused(kent, f"/tenders/{tender_id}/timetable", ours, keys, "This tender",
            ['value="15:30"', "Later in the day"])
    assert svc.portal.get_tender(tender_id).timetable["bid_deadline"] == BID_DEADLINE


def test_opening_engagement_from_a_page_shown_before_a_change_is_refused(kent, svc):  # noqa: F811
    import re

    from portal.form_keys import CHANGED

    tender_id = draft(svc)
    svc.projections.wait_for(svc.portal.set_questionnaire(
        actor_for(officer("Kent")), tender_id, questions=QUESTIONS))
    page = kent.get(f"/tenders/{tender_id}").text
    stage_form = re.search(r'action="/tenders/[^"]+/open-engagement".*?</form>', page, re.S)
    version = re.search(r'name="version" value="(\d+)"', stage_form.group(0)).group(1)
    someone_else_changes(svc, tender_id, "Renamed by a colleague")
    response = kent.post_form(f"/tenders/{tender_id}/open-engagement", {"version": version})
    shown = response.get_data(as_text=True).replace("&#39;", "'")
    assert response.status_code == 422 and 'href="#actions"' in shown
    assert CHANGED.format(what="This tender") in shown
    assert "Renamed by a colleague" in shown  # the page shows the tender as it is now
    assert svc.portal.get_tender(tender_id).stage == "draft"
    newer = re.search(r'name="version" value="(\d+)"', shown).group(1)
    assert int(newer) > int(version)
    opened = kent.post_form(f"/tenders/{tender_id}/open-engagement", {"version": newer})
    assert opened.status_code == 302
    assert svc.portal.get_tender(tender_id).stage == "market_engagement"


def test_quality_questions_opened_before_a_change_are_not_saved_over(kent, svc):  # noqa: F811
    tender_id = draft(svc)
    keys = opened(kent, f"/tenders/{tender_id}/evaluation")
    someone_else_changes(svc, tender_id, "Renamed by a colleague")
    ours = {"quality-count": "2", "quality-1-text": "How will you meet complex needs?",
            "quality-1-weight": "70", "quality-2-text": "How will you recruit staff?",
            "quality-2-weight": "30", "quality_weight": "60", "price_weight": "40"}
    again = refused(kent, f"/tenders/{tender_id}/evaluation", ours, keys, "This tender",
                    ["How will you recruit staff?", 'value="70"'])
    assert not svc.portal.get_tender(tender_id).quality_questions
    assert kent.post_form(f"/tenders/{tender_id}/evaluation",
                          {**ours, **again}).status_code == 302
    assert len(svc.portal.get_tender(tender_id).quality_questions) == 2


def test_a_panel_opened_before_a_change_is_not_saved_over(kent, svc, clock):  # noqa: F811
    from domain.account import account_id
    from tests.web.test_tender_pages import advance

    tender_id = draft(svc)
    advance(svc, clock, tender_id, "invitation_to_tender")
    advance(svc, clock, tender_id, "evaluation", start="evaluation")
    person = {name: account_id(officer(name).email) for name in
              ("Kent", "Portsmouth", "West Sussex")}
    keys = opened(kent, f"/tenders/{tender_id}/panel")
    svc.projections.wait_for(svc.portal.appoint_evaluation_panel(
        actor_for(officer("Kent")), tender_id, evaluators=[person["Kent"]],
        moderator=person["Portsmouth"]))
    ours = {"evaluators": [str(person["West Sussex"])], "moderator": str(person["Kent"])}
    again = refused(kent, f"/tenders/{tender_id}/panel", ours, keys, "This tender",
                    [f'value="{person["West Sussex"]}" checked'])
    tender = svc.portal.get_tender(tender_id)
    assert (tender.evaluators, tender.moderator) == ([person["Kent"]], person["Portsmouth"])
    assert kent.post_form(f"/tenders/{tender_id}/panel", {**ours, **again}).status_code == 302
    assert svc.portal.get_tender(tender_id).moderator == person["Kent"]
