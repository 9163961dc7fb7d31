"""The audit index: one row per stored event, matching the event store; batched rebuilds equal
the incremental index; the queries filter and page it for auditors only."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa
from eventsourcing.domain import AggregateCreated, DomainEvent

from domain.account import Account, account_id
from domain.actor import Actor
from domain.adjacency import AdjacencyRegister
from domain.api_client import ApiClient
from domain.bid import Bid
from domain.board_search import BoardSearch
from domain.contract import Contract
from domain.data_import import DataImport
from domain.development import Development
from domain.engagement import EngagementResponse
from domain.fostering import FosteringService
from domain.gazetteer import DistrictUpload
from domain.home_search import HomeSearch
from domain.identity_provider import IdentityProvider
from domain.ofsted import OfstedRegistration
from domain.organisation import Authority, PlatformOrganisation, Provider
from domain.out_of_area import DIRECTOR, Approval, OutOfAreaPlacement
from domain.permissions import Forbidden
from domain.placement import Placement, placement_id
from domain.principal import Principal
from domain.tender import Tender
from domain.tender_document import DocumentDownload, TenderDocument
from domain.tender_reminder import DeadlineReminder
from domain.vacancy import Vacancy
from domain.webhook import WebhookSubscription
from portal.bootstrap import bootstrap
from projections import runner
from projections.audit.index import (
    OWNERS,
    SUMMARIES,
    audit_events,
    split_topic,
    summarise,
)
from projections.audit.queries import AuditSearch, audit_events_page, day_start, record_history
from tests.application.tender_world import tender_history
from tests.projections.scenario import build_region, dump, random_history

AGGREGATES = (FosteringService, OfstedRegistration, Authority, Provider, PlatformOrganisation,
              Account, Vacancy, Placement, Contract,
              DataImport, DistrictUpload, TenderDocument, DocumentDownload, DeadlineReminder,
              Tender, Bid, EngagementResponse, IdentityProvider, HomeSearch,
              OutOfAreaPlacement, AdjacencyRegister, BoardSearch, ApiClient,
              WebhookSubscription)


def home_search_history(portal, authority, settings=None) -> None:
    """Every home search event, by a named officer."""
    from uuid import uuid4

    officer = Actor(uuid4(), authority)
    terms = dict(authority_id=authority, urgency="planned", needed_by=date(2027, 3, 1),
                 latest_start=date(2027, 3, 15), placement_types=["childrens_home"], age=12,
                 sex="1", siblings=0, legal_status="C2", today=date(2027, 2, 1))
    first, _ = portal.draft_home_search(officer, child_ref="CHSAAAAAAAAA1", **terms)
    portal.edit_home_search(officer, first, changes={"age": 13}, today=date(2027, 2, 1))
    portal.cancel_home_search(officer, first, reason="Returned home")
    second, _ = portal.draft_home_search(officer, child_ref="CHSAAAAAAAAA2", **terms)
    portal.close_home_search_unfilled(officer, second, unfilled_reason="no_match")
    if settings is None:
        return
    # The referral: sent to two providers, one offers a place, the other declines; the
    # officer accepts after the deadline (closing to offers in the same save).
    (provider, setting, _), other = settings[0], next(
        p for p, _, _ in settings if p != settings[0][0])
    vacancy, _ = portal.publish_vacancy(
        Actor.system(), provider_id=provider, setting_id=setting, age_from=16, age_to=17,
        needs_met=[], weekly_fee=4_500, available_from=date(2027, 2, 1))
    setting_type = portal.get_vacancy(vacancy).setting_type
    sent, _ = portal.draft_home_search(officer, child_ref="CHSAAAAAAAAA3", **{
        **terms, "placement_types": [setting_type], "age": 16})
    now = datetime(2027, 2, 1, 9, 0, tzinfo=UTC)
    portal.send_home_search(officer, sent, provider_ids=[provider, other],
                            offers_close_at=now + timedelta(days=1), now=now)
    portal.ask_for_place(officer, vacancy, search_ref=sent, now=now)
    offer, _ = portal.offer_place(Actor(uuid4(), provider), sent, vacancy_id=vacancy,
                                  weekly_price=4_400, start_on=date(2027, 2, 1), now=now)
    portal.decline_home_search(Actor(uuid4(), other), sent, decline_reason="staffing",
                               now=now)
    portal.accept_offer(officer, sent, offer, birth_month="2010-05",
                        now=now + timedelta(days=2))
    # An offer starting later: the placement is scheduled for its day (with the approval a
    # placement out of area needs first).
    later, _ = portal.publish_vacancy(
        Actor.system(), provider_id=provider, setting_id=setting, age_from=16, age_to=17,
        needs_met=[], weekly_fee=4_500, available_from=date(2027, 2, 1))
    fourth, _ = portal.draft_home_search(officer, child_ref="CHSAAAAAAAAA4", **{
        **terms, "placement_types": [setting_type], "age": 16})
    portal.send_home_search(officer, fourth, provider_ids=[provider],
                            offers_close_at=now + timedelta(days=1), now=now)
    offer, _ = portal.offer_place(Actor(uuid4(), provider), fourth, vacancy_id=later,
                                  weekly_price=4_400, start_on=date(2027, 2, 20), now=now)
    portal.accept_offer(officer, fourth, offer, birth_month="2010-06",
                        now=now + timedelta(days=2), approval=Approval(
                            approver_name="Jo Director", approver_role=DIRECTOR,
                            approved_on=date(2027, 2, 1), reason="The nearest home offered"))


def auditor(roles=("auditor",)) -> Principal:
    from uuid import uuid4

    return Principal(user_id=uuid4(), email="a@example.org", display_name="Avery",
                     organisation_id=uuid4(), organisation_kind="platform",
                     organisation_name="Office", roles=frozenset(roles))


def ofsted_history(portal, admin: Actor) -> None:
    """Every Ofsted registration event: a URN recorded, inspected again, then cancelled."""
    from domain.ofsted import Inspection, RegisterEntry

    details = dict.fromkeys(("provider_type", "provider_subtype", "setting_name",
                             "local_authority", "owner"), "Registered details")
    first = RegisterEntry(urn="SC777001", registration_status="active",
                          registration_date=date(2015, 4, 1), places=4, details=details,
                          inspection=Inspection(date(2025, 6, 10), date(2025, 7, 1), "good"))
    later = RegisterEntry(urn="SC777001", registration_status="cancelled",
                          registration_date=date(2015, 4, 1), places=None,
                          details={**details, "owner": "New owner"},
                          inspection=Inspection(date(2026, 2, 2), None, None))
    for entry in (first, later):
        portal.import_ofsted_register(admin, entries=[entry], open_vacancies={},
                                      reason="Ofsted register import")


def fostering_history(portal, officer: Actor) -> None:
    """Every fostering event: the service started, a month recorded, then corrected."""
    from tests.fostering_returns import figures

    month, today = date(2026, 4, 1), date(2026, 5, 10)
    portal.record_fostering_return(officer, officer.organisation_id, month=month,
                                   figures=figures(), today=today)
    portal.correct_fostering_return(officer, officer.organisation_id, month=month,
                                    figures=figures(approvals=2), reason="Panel moved",
                                    today=today)


def full_history(portal) -> dict:
    """Every kind of event the domain has today, by the system and by named people."""
    authorities, settings = build_region(portal)
    platform, _ = portal.register_platform_organisation(Actor.system(), name="Office")
    admin_id, _ = portal.create_account(Actor.system(), email="admin@office.example.org",
                                        display_name="Alex Admin", organisation_id=platform,
                                        roles=["platform_admin"])
    admin = Actor(admin_id, platform)
    # The platform's API client for an auditor's system, created and revoked.
    client_id, _key = portal.create_api_client(admin, name="Audit system", roles=["auditor"])
    portal.revoke_api_client(admin, client_id, reason="Replaced by a new system")
    # A council's client subscribed to webhooks, replayed and removed.
    kent_client, _key = portal.api_clients.create(
        organisation_id=authorities[1], name="Mosaic", roles=["council_officer"],
        created_by=admin_id)
    kent_system = Actor.api_client(kent_client, authorities[1])
    webhook, _secret, _ = portal.create_webhook(
        kent_system, client_id=kent_client, url="https://hooks.kent.example.org/in",
        event_types=["offer.made"])
    portal.replay_webhook(kent_system, webhook, from_position=1, reason="Lost a day")
    portal.remove_webhook(kent_system, webhook, reason="Replaced")
    account, _ = portal.create_account(admin, email="lead@kent.example.org",
                                       display_name="Kent lead", organisation_id=authorities[1],
                                       roles=["council_officer"])
    portal.update_authority(admin, authorities[1], reason="Census 2031",
                            population_0_17=310_000, name="Kent County")
    user = portal.get_account(account)
    user.grant_role("auditor", "authority", actor=admin, reason="Audit season")
    user.revoke_role("auditor", actor=admin)
    user.suspend(actor=admin, reason="Left")
    user.reinstate(actor=admin, reason="Came back")
    portal.save(user)
    portal.record_sign_in(account, method="password")
    portal.record_failed_sign_in(account, reason="Wrong password")
    account_security_history(portal, admin, authorities[1])
    single_sign_on_history(portal, admin, authorities[1])
    vacancies = random_history(portal, settings, steps=120)
    provider, setting, _ = settings[0]
    expiring, _ = portal.publish_vacancy(
        Actor.system(), provider_id=provider, setting_id=setting, age_from=10, age_to=15,
        needs_met=[], weekly_fee=4321, available_from=date(2027, 1, 1),
        expires_on=date(2027, 1, 31), description="")
    portal.expire_vacancies([expiring], today=date(2027, 2, 1))
    placement_history(portal, authorities[0], provider, setting)
    supply_history(portal, authorities[0])
    home_search_history(portal, authorities[0], settings)
    out_of_area_history(portal, admin, authorities[0], settings)
    # The vacancy board: a provider's contact, an officer's saved search, deleted.
    portal.set_provider_contact(Actor.system(), provider, name="Sam Okafor",
                                phone="01632 960 001", email="sam@provider.example.org")
    kent_lead = Actor(account, authorities[1])
    board, _ = portal.save_board_search(kent_lead, name="Kent homes", age=12)
    portal.delete_board_search(kent_lead, board)
    # Kent's fostering returns: a month recorded and corrected by its lead (three events).
    fostering_history(portal, kent_lead)
    portal.add_districts(admin, rows=[{"district": "ME99", "easting": 577000,
                                       "northing": 155000, "la_ons_code": "E10000016"}],
                         file_name="new-districts.csv", file_sha256="1" * 64,
                         reason="A new estate")
    ofsted_history(portal, admin)
    tender_document_history(portal, authorities[1], provider)
    # Every tender, bid and engagement event: two of them (scores) by named people.
    tenders = tender_history(portal, authorities[2], authorities[1],
                             [settings[0][0], settings[3][0]])
    return {"authorities": authorities, "settings": settings, "admin": admin,
            "account": account, "vacancies": vacancies, "tenders": tenders}


def account_security_history(portal, admin, authority) -> None:
    """An invitation accepted, a second factor set up, used, reset, and a password reset: three
    events by the administrator, five by the invited person."""
    invited, _ = portal.invite_account(
        admin, email="new@kent.example.org", display_name="New starter",
        organisation_id=authority, roles=["council_officer"],
        expires_at=datetime(2026, 12, 1, 9, 0, tzinfo=UTC))
    portal.enrol_second_factor(invited)
    portal.activate_account(invited)
    portal.record_recovery_codes_regenerated(invited)
    portal.record_recovery_code_used(invited, remaining=9)
    portal.reset_second_factor(admin, invited, reason="Lost phone")
    portal.record_password_reset(invited)


def single_sign_on_history(portal, admin, kent) -> None:
    """Kent's identity provider registered, changed, turned off and on by the administrator
    (four events); a first sign-in creating an account (three events by its new owner) and one
    linking the existing lead's account (two by the lead)."""
    provider, _ = portal.register_identity_provider(
        admin, organisation_id=kent, display_name="Kent County Council",
        discovery_url="https://login.microsoftonline.com/kent/v2.0/.well-known/"
                      "openid-configuration",
        client_id="kent-client", client_secret_ref="env:KENT_ENTRA_SECRET",
        allowed_domains=["kent.example.org"], reason="Single sign-on for Kent")
    portal.change_identity_provider(admin, provider, client_id="kent-client-2",
                                    reason="New app registration")
    portal.disable_identity_provider(admin, provider, reason="Tenant migration")
    portal.enable_identity_provider(admin, provider)
    portal.sign_in_creating_account(provider_ref=provider, subject="entra-oid-1",
                                    email="sso@kent.example.org", display_name="Sam Sso")
    portal.sign_in_linking_identity(account_id("lead@kent.example.org"), provider_ref=provider,
                                    subject="entra-oid-2")


def tender_document_history(portal, kent, provider) -> None:
    """A document attached to a tender, downloaded by a provider, withdrawn and attached again,
    and a deadline reminder issued by the scheduled job."""
    from datetime import timedelta
    from uuid import uuid4

    system = Actor.system()
    opens = datetime(2026, 1, 5, 9, tzinfo=UTC)
    closes = opens + timedelta(days=14)
    portal.clock = lambda: opens
    tender, _ = portal.draft_tender(
        system, lead_authority_id=kent, partnership="South East", title="Complex needs",
        description="Homes for children with complex needs", route="market_engagement_only",
        estimated_annual_value=400_000, estimated_total_value=400_000, term_months=12,
        lots=[{"name": "Homes", "setting_type": "childrens_home", "area": "Kent",
               "places": 4, "age_from": 8, "age_to": 17, "needs": []}],
        partners=[{"authority_id": kent, "share": 400_000}],
        timetable={"engagement_closes": closes})
    portal.set_questionnaire(system, tender, questions=[
        {"text": "How many beds?", "kind": "number", "required": True}])
    document, _ = portal.attach_tender_document(
        system, tender, name="Specification.pdf", document_type="pdf", size=2048,
        sha256="c" * 64)
    portal.open_market_engagement(system, tender)
    portal.record_document_download(Actor(uuid4(), provider), tender, document)
    portal.withdraw_tender_document(system, tender, document, reason="Wrong version")
    portal.attach_tender_document(system, tender, name="Specification v2.pdf",
                                  document_type="pdf", size=2048, sha256="c" * 64)
    portal.clock = lambda: closes - timedelta(days=2)
    portal.issue_deadline_reminders([tender])


def placement_history(portal, authority, provider, setting) -> None:
    """Every placement, contract, target and import event, for one child of one authority."""
    system = Actor.system()
    contract, _ = portal.record_contract(
        system, authority_id=authority, provider_id=provider, route="block",
        title="Residential block", setting_type="childrens_home", places=4, weekly_price=4200,
        start=date(2024, 4, 1), end=date(2029, 3, 31))
    portal.vary_contract(system, contract, reason="Two more places", places=6)
    terms = dict(legal_status="C2", place="U4", place_provider="PR1", weekly_cost=450,
                 contract_route="in_house")
    child = "CAAAAAAAAAAA2"
    portal.start_placement(system, authority_id=authority, child_ref=child,
                           birth_month="2012-05", sex="1", uasc=False, on=date(2024, 5, 1),
                           terms=terms)
    portal.change_placement(system, authority, child, on=date(2024, 9, 1), terms=dict(
        rne="P", place="K2", place_provider="PR4", provider_id=provider, setting_id=setting,
        contract_route="block", contract_id=contract, weekly_cost=4200,
        reason_place_change="CARPL"))
    portal.correct_placement(system, authority, child, episode_number=2,
                             changes={"weekly_cost": 4300}, reason="Invoice checked")
    portal.correct_placement(system, authority, child, episode_number=None,
                             changes={"birth_month": "2012-06"}, reason="Birth certificate")
    portal.end_placement(system, authority, child, on=date(2025, 3, 1), rec="E13")
    portal.start_placement(system, authority_id=authority, child_ref=child,
                           birth_month="2012-06", sex="1", uasc=False, on=date(2025, 6, 1),
                           terms=terms)
    placement = portal.get_placement(system, authority, child)
    placement.reconcile(episodes=[{**placement.episodes[-1], "weekly_cost": 470}],
                        today=date(2026, 1, 1), actor=system, reason="SSDA903 import")
    portal.record_import(system, authority_id=authority, placements=[placement],
                         kind="ssda903", file_name="episodes.csv", file_sha256="0" * 64,
                         header_sha256=None, rows=1, accepted=1, rejected=0)
    portal.terminate_contract(system, contract, on=date(2026, 3, 31), reason="Provider left")
    portal.set_targets(system, authority, targets={"children_per_10k": 60})


def supply_history(portal, authority) -> None:
    """Every supply event: the authority's own home through its registration pipeline, and a
    scheme of places in development changed, one opened and one dropped."""
    system, today = Actor.system(), date(2026, 1, 5)
    home, _ = portal.add_in_house_setting(
        system, authority_id=authority, name="Hillside", setting_type="childrens_home",
        postcode_district="DT1", registered_places=4, stage="planned", on=date(2025, 6, 2),
        reason="Capital programme approved", today=today)
    portal.change_in_house_stage(system, authority_id=authority, setting_id=home,
                                 stage="applying", on=date(2025, 11, 3),
                                 reason="Application sent to Ofsted", today=today)
    portal.change_in_house_places(system, authority_id=authority, setting_id=home,
                                  registered_places=5, reason="A fifth bedroom added")
    schemes = [portal.record_development(
        system, authority_id=authority, name=name, development_type="council_home",
        setting_type="childrens_home", places=4, expected_opening=date(2026, 9, 1),
        confidence="medium", today=today)[0] for name in ("Seaview", "Ridgeway")]
    portal.change_development(system, authority_id=authority, development_id=schemes[0],
                              reason="Builder delayed", expected_opening=date(2026, 12, 1),
                              today=today)
    portal.open_development(system, authority_id=authority, development_id=schemes[0],
                            on=today, reason="Registered and open", today=today)
    portal.drop_development(system, authority_id=authority, development_id=schemes[1],
                            reason="Site sold", today=today)


def out_of_area_history(portal, admin, authority, settings) -> None:
    """Every out-of-area event: an emergency move into another area, approved, its host
    notified, ended; and an administrator's adjoining authorities."""
    from uuid import uuid4

    from domain.out_of_area import DIRECTOR, Approval, record_id

    portal.add_adjoining_authorities(admin, pairs=[("E06000046", "E06000044")],
                                     reason="Agreed by the partnership")
    provider, setting = next(
        (p, s) for p, s, _ in settings
        if portal.get_provider(p).setting(s).host_authority_id != authority)
    officer = Actor(uuid4(), authority)
    day, now = date(2026, 3, 2), datetime(2026, 3, 2, 12, tzinfo=UTC)
    child = "CAAAAAAAAAAO1"
    portal.start_placement(officer, authority_id=authority, child_ref=child,
                           birth_month="2011-05", sex="2", uasc=False, on=day, today=day,
                           now=now, urgency="emergency", terms=dict(
                               legal_status="C2", place="K2", place_provider="PR4",
                               provider_id=provider, setting_id=setting))
    record = record_id(placement_id(authority, child), day)
    portal.approve_out_of_area_placement(officer, record, today=day, approval=Approval(
        approver_name="Jo Director", approver_role=DIRECTOR, approved_on=day,
        reason="The only home able to meet her needs"))
    portal.notify_host_authority(officer, record, now=now)
    portal.end_placement(officer, authority, child, on=day, rec="E13", today=day, now=now)


def expected_owner(portal, record_id):
    aggregate = portal.repository.get(record_id)
    if isinstance(aggregate, IdentityProvider | ApiClient | WebhookSubscription):
        return aggregate.organisation_id
    if isinstance(aggregate, Vacancy):
        return aggregate.provider_id
    if isinstance(aggregate, Account):
        return aggregate.organisation_id
    if isinstance(aggregate, Bid | EngagementResponse):
        return aggregate.provider_id
    if isinstance(aggregate, Tender):
        return aggregate.lead_authority_id
    if isinstance(aggregate, Placement | Contract | DataImport | TenderDocument
                  | DocumentDownload | DeadlineReminder | HomeSearch | BoardSearch
                  | FosteringService | Development):
        return aggregate.authority_id
    if isinstance(aggregate, OutOfAreaPlacement):
        return aggregate.placing_authority_id
    if isinstance(aggregate, DistrictUpload | AdjacencyRegister | OfstedRegistration):
        first = portal.recorder.select_events(record_id, limit=1)[0]
        return portal.mapper.to_domain_event(first).actor.organisation_id
    return aggregate.id


def test_one_row_per_event_matching_the_store(services):
    full_history(services.portal)
    services.projections.catch_up()
    portal = services.portal
    notifications = portal.recorder.select_notifications(start=1, limit=100_000)
    with services.engine.connect() as c:
        rows = {r.position: r for r in c.execute(sa.select(audit_events))}
    assert sorted(rows) == [n.id for n in notifications]
    owners: dict = {}
    for notification in notifications:
        event = portal.mapper.to_domain_event(notification)
        row = rows[notification.id]
        record_type, event_type = notification.topic.split(":")[1].split(".")
        assert (row.record_id, row.record_version) == (event.originator_id,
                                                       event.originator_version)
        assert (row.record_type, row.event_type) == (record_type, event_type)
        assert row.recorded_at.replace(tzinfo=UTC) == event.timestamp
        assert (row.actor_user_id, row.actor_organisation_id) == (
            event.actor.user_id, event.actor.organisation_id)
        assert row.reason == event.reason
        if event.originator_id not in owners:
            owners[event.originator_id] = expected_owner(portal, event.originator_id)
        assert row.organisation_id == owners[event.originator_id], row
        assert row.summary == summarise(record_type, event_type, event)
    kinds = {(r.record_type, r.event_type) for r in rows.values()}
    assert kinds == set(SUMMARIES), "the scenario should make every kind of event"


def test_summaries_read_as_plain_sentences(services):
    history = full_history(services.portal)
    services.projections.catch_up()
    with services.engine.connect() as c:
        summaries = set(c.execute(sa.select(audit_events.c.summary)).scalars())
    assert "Registered the authority Kent (DfE LA code 886)" in summaries
    assert "Changed an authority's details: population aged 0 to 17 to 310,000; " \
           "name to Kent County" in summaries
    assert "Granted an account the role Auditor" in summaries
    assert "Created an account for lead@kent.example.org (Council officer)" in summaries
    assert any(s.startswith("Published a children's home vacancy at £") for s in summaries)
    assert any(s.startswith("Changed a vacancy: weekly fee to £") for s in summaries)
    assert history["vacancies"]


def test_every_event_class_of_every_aggregate_is_described_and_owned():
    for aggregate in AGGREGATES:
        assert aggregate.__name__ in OWNERS
        classes = {name: value for name, value in vars(aggregate).items()
                   if isinstance(value, type) and issubclass(value, DomainEvent)}
        creations = [n for n, v in classes.items() if issubclass(v, AggregateCreated)]
        for name in classes:
            unused_base = name == "Event" or (name == "Created" and len(creations) > 1)
            if not unused_base:
                assert (aggregate.__name__, name) in SUMMARIES, (aggregate.__name__, name)


def test_a_record_type_comes_from_the_topic():
    assert split_topic("domain.vacancy:Vacancy.Published") == ("Vacancy", "Published")
    assert split_topic("domain.account:Account.RoleGranted") == ("Account", "RoleGranted")
    assert split_topic("x.y:Outer.Tender.StageChanged") == ("Tender", "StageChanged")


def test_an_unknown_kind_of_event_still_gets_a_sentence():
    assert summarise("Tender", "StageChanged", object()) == "Tender: stage changed"


def test_small_batches_and_restarts_equal_a_rebuild(databases, tmp_path, monkeypatch):
    """Later events of a record name its organisation only by its first event, which may lie
    in an earlier batch, or before a restart: the index must find it either way."""
    url = databases.new(tmp_path)
    svc = bootstrap(url, instance=tmp_path)
    try:
        settings = full_history(svc.portal)["settings"]
        head = svc.portal.last_position()
        monkeypatch.setattr(runner, "BATCH_SIZE", 7)
        svc.projections.catch_up(until=head // 3)
    finally:
        svc.close()
    restarted = bootstrap(url, instance=tmp_path)  # a new AuditIndex, remembering nothing
    try:
        restarted.projections.catch_up(until=2 * head // 3)
        more = random_history(restarted.portal, settings, steps=40, seed=3)
        assert more
        restarted.projections.catch_up()
        incremental = dump(restarted.engine, names={"audit_events"})
        with restarted.engine.connect() as c:
            unowned = c.execute(sa.select(sa.func.count()).select_from(audit_events)
                                .where(audit_events.c.organisation_id.is_(None))).scalar()
        assert unowned == 0
        monkeypatch.setattr(runner, "BATCH_SIZE", 1000)
        assert restarted.projections.rebuild(["audit_index"]) == restarted.portal.last_position()
        assert dump(restarted.engine, names={"audit_events"}) == incremental
        assert len(incremental["audit_events"]) == restarted.portal.last_position()
    finally:
        restarted.close()


def test_the_stream_filters_and_pages_newest_first(services):
    history = full_history(services.portal)
    services.projections.catch_up()
    viewer = auditor()
    with services.engine.connect() as c:
        everything = audit_events_page(viewer, c, AuditSearch(), page_size=25)
        total = services.portal.last_position()
        assert everything.total == total
        assert [r.position for r in everything.rows] == list(range(total, total - 25, -1))
        by_admin = audit_events_page(viewer, c, AuditSearch(actor_user_id=history["admin"]
                                                             .user_id))
        ofsted = audit_events_page(viewer, c, AuditSearch(record_type="OfstedRegistration"))
        assert ofsted.total == 9  # two imports of one URN: every kind of Ofsted event
        # and the adjoining authorities' two, the Ofsted register's nine and the API client's
        # two (created, revoked)
        assert by_admin.total == 7 + 3 + 4 + 2 + 9 + 2
        assert {r.actor_name for r in by_admin.rows} == {"Alex Admin"}
        kent = audit_events_page(viewer, c, AuditSearch(organisation_id=history["authorities"][1]))
        assert {(r.record_type, r.event_type) for r in kent.rows} >= {
            ("Authority", "Registered"), ("Authority", "DetailsUpdated"),
            ("Account", "RoleGranted")}
        assert {r.organisation_name for r in kent.rows} == {"Kent County"}
        system = audit_events_page(viewer, c, AuditSearch(by_system=True))
        # Everything but the administrator's fourteen events, the user's own sign-in, the
        # invited person's five and a provider's download of a tender document.
        # Also a tender's evaluator's and moderator's scores (two events), and single
        # sign-on's five by the people signing in (its four by the administrator are above),
        # and a council officer's five home search events; then the referral's eight by
        # people (sent, an offer, a decline, the acceptance's accepted, placed, filled and
        # started; the closing to offers in the same save is the system's, by the clock);
        # and an officer's six out of area (a start and an end, each with its record's
        # event, an approval and a notice to the host); and the later-starting acceptance's
        # six (drafted, sent, an offer, accepted, scheduled and the vacancy filled); and the
        # administrator's nine Ofsted register events; the officer's place asked for from the
        # board, and a saved board search, deleted; Kent's lead's three fostering events; and
        # the administrator's API client, created and revoked; a council's client's webhook
        # subscription's three (created, replayed, removed).
        assert system.total == total - 8 - 3 - 5 - 1 - 2 - 9 - 5 - 8 - 2 - 6 - 6 - 9 - 1 - 2 \
            - 3 - 2 - 3
        updates = audit_events_page(viewer, c, AuditSearch(record_type="Vacancy",
                                                           event_type="Updated"))
        assert all(r.summary.startswith("Changed a vacancy") for r in updates.rows)
        today = datetime.now(UTC).date()
        assert audit_events_page(viewer, c, AuditSearch(recorded_from=date(2000, 1, 1),
                                                        recorded_to=today)).total == total
        assert audit_events_page(viewer, c, AuditSearch(recorded_to=date(2000, 1, 1))).total == 0
        last = audit_events_page(viewer, c, AuditSearch(page=10_000), page_size=25)
        assert last.number == everything.count
        with pytest.raises(Forbidden):
            audit_events_page(auditor(roles=("platform_admin",)), c, AuditSearch())


def test_uk_days_start_at_uk_midnight():
    assert day_start(date(2026, 7, 1)) == datetime(2026, 6, 30, 23, 0, tzinfo=UTC)  # BST
    assert day_start(date(2026, 12, 1)) == datetime(2026, 12, 1, 0, 0, tzinfo=UTC)  # GMT


def test_a_records_history_shows_old_and_new_values(services):
    history = full_history(services.portal)
    services.projections.catch_up()
    kent = history["authorities"][1]
    with services.engine.connect() as c:
        record = record_history(auditor(), services.portal, c, kent)
        assert record.record_type == "Authority"
        assert record.name == "Kent County"
        created, changed = record.steps
        assert {ch.field: ch.new for ch in created.changes}["population_0_17"] == 50_000
        assert not any(ch.has_old for ch in created.changes)
        assert {ch.field: (ch.old, ch.new) for ch in changed.changes} == {
            "population_0_17": (50_000, 310_000), "name": ("Kent", "Kent County")}
        assert changed.reason == "Census 2031"
        assert changed.actor_user_id == history["admin"].user_id
        assert record.names[changed.actor_user_id] == "Alex Admin"
        assert [s.position for s in record.steps] == sorted(s.position for s in record.steps)
        with pytest.raises(Forbidden):
            record_history(auditor(roles=("council_officer",)), services.portal, c, kent)
