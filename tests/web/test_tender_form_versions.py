"""Optimistic concurrency through the lead's tender forms (the draft's terms, the timetable
and the questionnaire): a form opened before someone else changed the tender is refused with
"changed by someone else since you opened it", keeping what was typed, and nothing is saved.
See tests/web/test_edit_form_versions.py."""

from __future__ import annotations

import pytest

from tests.web.test_edit_form_versions import Race, race_is_refused_then_saved
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


def renamed(svc, tender_id, title: str = "Renamed by a colleague") -> int:  # noqa: F811
    """Someone else's change to the tender: its notification id."""
    return svc.portal.revise_tender(actor_for(officer("Kent")), tender_id, title=title,
                                    reason="A colleague's change")


def drafted(request):
    """Kent's lead signed in and a tender drafted: the lead's client, the services and the
    tender's id."""
    services = request.getfixturevalue("svc")
    return request.getfixturevalue("kent"), services, draft(services)


def tender_terms(request) -> Race:
    client, services, tender_id = drafted(request)

    def as_theirs():
        tender = services.portal.get_tender(tender_id)
        assert (tender.title, tender.estimated_total_value) == (
            "Renamed by a colleague", 35_640_000)

    def as_ours():
        assert services.portal.get_tender(tender_id).title == "Our own title"

    return Race(client, f"/tenders/{tender_id}/edit", "This tender",
                tender_form(title="Our own title", **{f"share-{WEST_SUSSEX}": "",
                                                      "estimated_total_value": "28000000"}),
                ['value="Our own title"', 'value="28000000"', 'value="solo_placement" checked'],
                lambda: renamed(services, tender_id), as_theirs, as_ours)


def questionnaire(request) -> Race:
    client, services, tender_id = drafted(request)

    def as_theirs():
        assert not services.portal.get_tender(tender_id).questionnaire

    return Race(client, f"/tenders/{tender_id}/questionnaire", "This tender",
                {"question-count": "1", "question-1-text": "How many beds could you open?",
                 "question-1-kind": "number", "question-1-required": "yes"},
                ["How many beds could you open?"],
                lambda: renamed(services, tender_id), as_theirs)


def timetable(request) -> Race:
    from tests.web.test_tender_pages import (
        BID_DEADLINE,
        CLARIFICATIONS_CLOSE,
        ENGAGEMENT_CLOSES,
        moment_fields,
    )

    client, services, tender_id = drafted(request)

    def as_theirs():
        assert services.portal.get_tender(tender_id).timetable["bid_deadline"] == BID_DEADLINE

    return Race(client, f"/tenders/{tender_id}/timetable", "This tender",
                {**moment_fields("engagement_closes", ENGAGEMENT_CLOSES),
                 **moment_fields("clarification_deadline", CLARIFICATIONS_CLOSE),
                 **moment_fields("bid_deadline", BID_DEADLINE), "bid_deadline-time": "15:30",
                 "reason": "Later in the day"},
                ['value="15:30"', "Later in the day"],
                lambda: services.portal.set_questionnaire(actor_for(officer("Kent")), tender_id,
                                                          questions=QUESTIONS),
                as_theirs)


def quality_questions(request) -> Race:
    client, services, tender_id = drafted(request)

    def as_theirs():
        assert not services.portal.get_tender(tender_id).quality_questions

    def as_ours():
        assert len(services.portal.get_tender(tender_id).quality_questions) == 2

    return Race(client, f"/tenders/{tender_id}/evaluation", "This tender",
                {"quality-count": "2", "quality-1-text": "How will you meet complex needs?",
                 "quality-1-weight": "70", "quality-2-text": "How will you recruit staff?",
                 "quality-2-weight": "30", "quality_weight": "60", "price_weight": "40"},
                ["How will you recruit staff?", 'value="70"'],
                lambda: renamed(services, tender_id), as_theirs, as_ours)


def panel(request) -> Race:
    from domain.account import account_id
    from tests.web.test_tender_pages import advance

    client, services, tender_id = drafted(request)
    clock = request.getfixturevalue("clock")  # noqa: F811 (the tender pages' fixture)
    advance(services, clock, tender_id, "invitation_to_tender")
    advance(services, clock, tender_id, "evaluation", start="evaluation")
    person = {name: account_id(officer(name).email) for name in
              ("Kent", "Portsmouth", "West Sussex")}

    def as_theirs():
        tender = services.portal.get_tender(tender_id)
        assert (tender.evaluators, tender.moderator) == ([person["Kent"]], person["Portsmouth"])

    def as_ours():
        assert services.portal.get_tender(tender_id).moderator == person["Kent"]

    return Race(client, f"/tenders/{tender_id}/panel", "This tender",
                {"evaluators": [str(person["West Sussex"])], "moderator": str(person["Kent"])},
                [f'value="{person["West Sussex"]}" checked'],
                lambda: services.portal.appoint_evaluation_panel(
                    actor_for(officer("Kent")), tender_id, evaluators=[person["Kent"]],
                    moderator=person["Portsmouth"]),
                as_theirs, as_ours)


@pytest.mark.parametrize("form", [tender_terms, questionnaire, timetable, quality_questions,
                                  panel], ids=lambda form: form.__name__)
def test_a_tender_form_changed_since_it_was_opened_is_refused_and_loses_nothing(request, form):
    race_is_refused_then_saved(form(request))


def test_opening_engagement_from_a_page_shown_before_a_change_is_refused(kent, svc):  # noqa: F811
    import re

    from portal.form_keys import CHANGED

    tender_id = draft(svc)
    svc.projections.wait_for(svc.portal.set_questionnaire(
        actor_for(officer("Kent")), tender_id, questions=QUESTIONS))
    page = kent.get(f"/tenders/{tender_id}").text
    stage_form = re.search(r'action="/tenders/[^"]+/open-engagement".*?</form>', page, re.S)
    version = re.search(r'name="version" value="(\d+)"', stage_form.group(0)).group(1)
    svc.projections.wait_for(renamed(svc, tender_id))
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
