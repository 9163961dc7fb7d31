"""A small region of organisations whose records carry distinctive marker strings, built
through the portal's real commands by each organisation's own users, for the isolation tests.

Two authorities (A and B), two providers (P and Q) and the platform organisation (X). Every
organisation's private records (children, contracts, import jobs, private vacancies, account
names, reasons given) carry markers, so a page can be searched for anything it should not hold.
Who may legitimately see a marker is decided by :func:`may_see`, which reads the permission
table rather than repeating it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from uuid import UUID, uuid4

from domain.account import account_id
from domain.actor import Actor
from domain.organisation import authority_id
from domain.out_of_area import record_id
from domain.permissions import REGION, can, scope_for
from domain.placement import placement_id
from domain.principal import Principal
from domain.vocabulary import ROLE_ORGANISATION_KINDS, ROLES
from domain.webhook import event_types_for
from portal.bootstrap import bootstrap
from portal.imports.jobs import create_job
from portal.imports.run import Upload
from tests.databases import Built, Databases

SYSTEM = Actor.system()
ORGANISATION_KINDS = {"A": "authority", "B": "authority", "P": "provider", "Q": "provider",
                      "X": "platform"}
# Who each organisation's "other" is, for the URL-map test's other-organisation identifiers.
OTHER = {"A": "B", "B": "A", "P": "Q", "Q": "P", "X": None}
HOME = {"authority": "A", "provider": "P", "platform": "X"}
AUTHORITIES = {"A": ("886", "E10000016", "Kent", "ME14"),
               "B": ("879", "E06000026", "Plymouth", "PL1")}
PARTNERSHIPS = {"A": "Alpha partnership", "B": "Beta partnership"}
FOSTERING_MONTH = date(2026, 1, 1)  # each authority's fostering return, in the world


@dataclass(frozen=True)
class Marker:
    """A string planted in one organisation's record. ``kind`` says what it is:

    - ``child``: child-level data (a pseudonymous reference, a placement's reason);
    - ``private``: the organisation's own records (contracts, targets, import jobs, private
      vacancies and the reasons given on them);
    - ``account``: an account's display name (platform administrators manage accounts);
    - ``board``: an available vacancy's description, on the regional vacancy board;
    - ``held_for``: the description of a vacancy held for the ``reader`` authority's home
      search (that authority still reads it, and no other);
    - ``identity_provider``: an organisation's single sign-on settings (platform
      administrators set them up);
    - ``tender``: a joint tender's published details (the lead's partnership, and providers
      once it is open to them);
    - ``sealed_bid``: a provider's bid before the lead opens the bids (nobody else, not even
      an auditor, reads it);
    - ``clarification``: a provider's question to a tender's lead (the lead reads it).
    """

    text: str
    owner: str  # organisation key: A, B, P, Q or X
    kind: str
    reader: str | None = None  # another organisation that reads it by design (a tender's lead)
    record: UUID | None = None  # the account or vacancy it names, where the reader's view of
    # it can change as the portal is used (a vacancy released onto the board)


@dataclass
class World:
    today: date
    organisations: dict[str, UUID] = field(default_factory=dict)
    # role -> organisation key -> account id; every role in every kind of organisation it fits.
    accounts: dict[str, dict[str, UUID]] = field(default_factory=dict)
    markers: list[Marker] = field(default_factory=list)
    # Records by organisation key: what the URL-map table draws identifiers from.
    settings: dict[str, UUID] = field(default_factory=dict)
    vacancies: dict[str, dict[str, UUID]] = field(default_factory=dict)
    children: dict[str, str] = field(default_factory=dict)
    placements: dict[str, UUID] = field(default_factory=dict)
    contracts: dict[str, UUID] = field(default_factory=dict)
    home_searches: dict[str, UUID] = field(default_factory=dict)
    out_of_area: dict[str, UUID] = field(default_factory=dict)  # by the placing authority
    referrals: dict[str, UUID] = field(default_factory=dict)  # by the provider it was sent to
    jobs: dict[str, UUID] = field(default_factory=dict)
    identity_providers: dict[str, UUID] = field(default_factory=dict)
    tenders: dict[str, UUID] = field(default_factory=dict)  # by lead authority
    # (lead authority, bidding provider) -> bid; (lead, provider) -> clarification asked
    bids: dict[tuple[str, str], UUID] = field(default_factory=dict)
    clarifications: dict[tuple[str, str], UUID] = field(default_factory=dict)
    documents: dict[str, UUID] = field(default_factory=dict)  # by lead authority
    notices: dict[str, list[UUID]] = field(default_factory=dict)  # by lead authority
    board_searches: dict[str, UUID] = field(default_factory=dict)  # by the officer's authority
    council_homes: dict[str, UUID] = field(default_factory=dict)  # an authority's own setting
    developments: dict[str, UUID] = field(default_factory=dict)  # its places in development
    search_notices: dict[str, list[UUID]] = field(default_factory=dict)  # by recipient
    # Each authority's and provider's API client (its role: council officer or provider user)
    # and the client's key, for the integration API's isolation proof.
    api_clients: dict[str, UUID] = field(default_factory=dict)
    api_keys: dict[str, str] = field(default_factory=dict)
    # Each authority's and provider's client's webhook subscription (every event type its
    # kind may see), for the isolation proofs of the webhook pages and operations.
    webhooks: dict[str, UUID] = field(default_factory=dict)

    def owner_of(self, organisation_id: UUID | None) -> str | None:
        for key, value in self.organisations.items():
            if value == organisation_id:
                return key
        return None

    def principal(self, role: str, organisation: str) -> Principal:
        kind = ORGANISATION_KINDS[organisation]
        return Principal(user_id=self.accounts[role][organisation], email="", display_name="",
                         organisation_id=self.organisations[organisation],
                         organisation_kind=kind, organisation_name="",
                         roles=frozenset({role}))


def may_see(principal: Principal, organisation: str, marker: Marker) -> bool:
    """Whether this principal (of organisation key ``organisation``) may be shown ``marker``."""
    if marker.owner == organisation:
        return True
    if marker.kind == "sealed_bid":
        return False
    if marker.kind == "clarification" and marker.reader == organisation:
        return True
    if marker.kind == "tender" and scope_for(principal, "tenders.view") == REGION:
        return True  # providers see tenders open to them (every tender here is)
    if can(principal, "audit.read"):
        return True  # auditors read every event, child references pseudonymous
    if marker.kind == "board":
        return can(principal, "vacancies.search")
    if marker.kind == "held_for" and marker.reader == organisation:
        return can(principal, "vacancies.search")  # a place held for the reader's search
    if marker.kind == "account" and marker.reader == organisation \
            and can(principal, "out_of_area.host_view"):
        return True  # the placing officer named as contact in a host authority's notice
    if marker.kind == "account":
        return scope_for(principal, "accounts.manage") == REGION
    if marker.kind == "identity_provider":
        return scope_for(principal, "identity_providers.manage") == REGION
    return False


def _marker(world: World, owner: str, kind: str, what: str, reader: str | None = None,
            record: UUID | None = None) -> str:
    text = f"Zq{owner}{what}Mk"
    world.markers.append(Marker(text, owner, kind, reader, record))
    return text


def build(databases: Databases, folder: Path, today: date) -> tuple[World, Built]:
    """Build the world into a fresh database whose instance files live in ``folder``; return
    what it holds and where, for the tests to copy."""
    url = databases.new(folder, "world")
    svc = bootstrap(url, instance=folder)
    try:
        world = _build(svc, today, folder)
        svc.projections.catch_up()
        _notices(world, svc)
    finally:
        svc.close()
    databases.settle(url)
    return world, Built(url, folder)


def _build(svc, today: date, folder: Path) -> World:
    portal = svc.portal
    world = World(today=today)
    world.organisations["X"], _ = portal.register_platform_organisation(
        SYSTEM, name="Isolation Platform Office")
    for key, (la_code, ons_code, name, _district) in AUTHORITIES.items():
        world.organisations[key], _ = portal.register_authority(
            SYSTEM, la_code=la_code, ons_code=ons_code, name=name, population_0_17=50_000,
            partnerships=[PARTNERSHIPS[key]], key_decision_threshold=500_000)
    for key in ("P", "Q"):
        world.organisations[key], _ = portal.register_provider(
            SYSTEM, name=f"Isolation Provider {key}", kind="childrens_home_operator")
    # One account for every role in every organisation its kind allows, so a new role in the
    # vocabulary is tested as soon as it exists.
    for role in ROLES:
        world.accounts[role] = {}
        for key, kind in ORGANISATION_KINDS.items():
            if kind in ROLE_ORGANISATION_KINDS.get(role, frozenset({kind})):
                email = f"{role}.{key.lower()}@isolation.example.org"
                # B's officer is the contact in the notice A receives as host.
                reader = "A" if (role, key) == ("council_officer", "B") else None
                portal.create_account(
                    SYSTEM, email=email, display_name=_marker(world, key, "account", role,
                                                              reader=reader,
                                                              record=account_id(email)),
                    organisation_id=world.organisations[key], roles=[role])
                world.accounts[role][key] = account_id(email)
    admin = world.accounts["platform_admin"]["X"]
    admin_actor = Actor(admin, world.organisations["X"])
    for key in ("P", "Q"):
        world.settings[key], _ = portal.add_setting(
            admin_actor, world.organisations[key], name=f"Isolation Home {key}",
            setting_type="childrens_home", ofsted_urn=None,
            host_authority_id=authority_id(AUTHORITIES["A"][0]),
            postcode_district=AUTHORITIES["A"][3], registered_places=4)
        _vacancies(world, portal, key, today)
    for key in ("A", "B"):
        _authority_records(world, svc, key, today, folder)
    _held_for_a_search(world, portal, today)
    for key in ("A", "P"):
        world.identity_providers[key], _ = portal.register_identity_provider(
            admin_actor, organisation_id=world.organisations[key],
            display_name=f"Isolation sign-in {key}",
            discovery_url=f"https://login.{key.lower()}.example.org/.well-known/"
                          "openid-configuration",
            client_id=f"isolation-{key.lower()}",  # public: it is in every sign-in redirect
            client_secret_ref=f"env:ISOLATION_{key}_CLIENT_SECRET",
            allowed_domains=[f"{key.lower()}.example.org"],
            reason=_marker(world, key, "identity_provider", "idpreason"))
    _tenders(world, svc, folder)
    _api_clients(world, svc)
    return world


def api_client_role(organisation: str) -> str:
    return {"authority": "council_officer", "provider": "provider_user",
            "platform": "auditor"}[ORGANISATION_KINDS[organisation]]


def _api_clients(world: World, svc) -> None:
    """An API client for each authority and provider, created by its own administrator, and
    the platform's auditor's client, created by a platform administrator."""
    for key in ("A", "B", "P", "Q", "X"):
        admin = _actor(world, "organisation_admin" if key != "X" else "platform_admin", key)
        world.api_clients[key], world.api_keys[key] = svc.portal.create_api_client(
            admin, name=_marker(world, key, "private", "apiclient"),
            roles=[api_client_role(key)])
        if key != "X":
            world.webhooks[key], _secret, _ = svc.portal.create_webhook(
                Actor.api_client(world.api_clients[key], world.organisations[key]),
                client_id=world.api_clients[key],
                url=f"https://hooks.{key.lower()}.example.org/"
                    + _marker(world, key, "private", "webhookurl"),
                event_types=event_types_for(ORGANISATION_KINDS[key]))


def _actor(world: World, role: str, key: str) -> Actor:
    return Actor(world.accounts[role][key], world.organisations[key])


def _vacancies(world: World, portal, key: str, today: date) -> None:
    actor = _actor(world, "provider_user", key)
    provider = world.organisations[key]
    world.vacancies[key] = {}

    def publish(label: str, kind: str) -> UUID:
        vacancy = uuid4()
        portal.publish_vacancy(
            actor, provider_id=provider, setting_id=world.settings[key], age_from=8, age_to=17,
            needs_met=["emotional_behavioural"], weekly_fee=4_200, vacancy_id=vacancy,
            available_from=today + timedelta(days=3), expires_on=None,
            description=_marker(world, key, kind, f"vacancy{label}", record=vacancy))
        world.vacancies[key][label] = vacancy
        return vacancy

    publish("available", "board")
    held = publish("held", "private")
    portal.hold_vacancy(actor, held, home_search_ref=_marker(world, key, "private", "holdref"),
                        reason=_marker(world, key, "private", "holdreason"))
    withdrawn = publish("withdrawn", "private")
    portal.withdraw_vacancy(actor, withdrawn,
                            reason=_marker(world, key, "private", "withdrawreason"))


def _held_for_a_search(world: World, portal, today: date) -> None:
    """Provider P holds a place for authority A's search sent to it: A (and only A, besides P)
    still reads that vacancy while it is held."""
    actor = _actor(world, "provider_user", "P")
    vacancy = uuid4()
    portal.publish_vacancy(
        actor, provider_id=world.organisations["P"], setting_id=world.settings["P"],
        age_from=8, age_to=17, needs_met=["emotional_behavioural"], weekly_fee=4_300,
        vacancy_id=vacancy, available_from=today + timedelta(days=3), expires_on=None,
        description=_marker(world, "P", "held_for", "vacancyheldforA", reader="A",
                            record=vacancy))
    portal.hold_vacancy(actor, vacancy, home_search_id=world.referrals["P"],
                        reason=_marker(world, "P", "private", "searchholdreason"))
    world.vacancies["P"]["held_for_A"] = vacancy


def _authority_records(world: World, svc, key: str, today: date, folder: Path) -> None:
    portal = svc.portal
    actor = _actor(world, "council_officer", key)
    authority = world.organisations[key]
    la_code = AUTHORITIES[key][0]
    world.contracts[key], _ = portal.record_contract(
        actor, authority_id=authority, provider_id=world.organisations["P"],
        route="framework", title=_marker(world, key, "private", "contract"),
        setting_type="childrens_home", places=None, weekly_price=3_900,
        start=today - timedelta(days=400), end=today + timedelta(days=700))
    portal.vary_contract(actor, world.contracts[key], weekly_price=4_000,
                         reason=_marker(world, key, "private", "varyreason"))
    # Its own home (the name is public, in the directory; the pipeline's reasons are not) and
    # a scheme of places in development (regionally only a total of places).
    world.council_homes[key], _ = portal.add_in_house_setting(
        actor, authority_id=authority, name=f"Council home {key}", setting_type="childrens_home",
        postcode_district=AUTHORITIES[key][3], registered_places=3, stage="planned",
        on=today - timedelta(days=30), reason=_marker(world, key, "private", "stagereason"),
        today=today)
    world.developments[key], _ = portal.record_development(
        actor, authority_id=authority, name=_marker(world, key, "private", "scheme"),
        development_type="council_home", setting_type="childrens_home", places=4,
        expected_opening=today + timedelta(days=300), confidence="high",
        reason=_marker(world, key, "private", "schemereason"), today=today)
    ref = svc.child_refs.reference(la_code, f"isolation-{key}-1")
    world.children[key] = ref
    world.markers.append(Marker(ref, key, "child"))
    world.placements[key], _ = portal.start_placement(
        actor, authority_id=authority, child_ref=ref, birth_month="2012-03", sex="2",
        uasc=False, on=today - timedelta(days=120), today=today,
        terms={"legal_status": "C2", "place": "K2", "provider_id": world.organisations["P"],
               "setting_id": world.settings["P"], "weekly_cost": 4_000,
               "contract_route": "framework", "contract_id": world.contracts[key]},
        reason=_marker(world, key, "child", "placementreason"),
        urgency=None if key == "A" else "emergency")
    assert world.placements[key] == placement_id(authority, ref)
    if key == "B":  # B placed its child in A's area (the setting is in Kent): A is the host
        world.out_of_area[key] = record_id(world.placements[key], today - timedelta(days=120))
        portal.notify_host_authority(actor, world.out_of_area[key])
    world.home_searches[key], _ = portal.draft_home_search(
        actor, authority_id=authority, child_ref=ref, urgency="planned",
        needed_by=today + timedelta(days=7), latest_start=today + timedelta(days=30),
        placement_types=["childrens_home"], age=13, sex="2", siblings=0, legal_status="C2",
        needs=["emotional_behavioural"], family_district=AUTHORITIES[key][3], today=today,
        reason=_marker(world, key, "child", "searchreason"))
    # A second child's search, sent to one provider (A's to P, B's to Q): a referral.
    provider = {"A": "P", "B": "Q"}[key]
    sent_ref = svc.child_refs.reference(la_code, f"isolation-{key}-2")
    world.markers.append(Marker(sent_ref, key, "child"))
    sent, _ = portal.draft_home_search(
        actor, authority_id=authority, child_ref=sent_ref, urgency="emergency",
        needed_by=today, latest_start=today + timedelta(days=3),
        placement_types=["childrens_home"], age=15, sex="1", siblings=0, legal_status="C2",
        family_district=AUTHORITIES[key][3], today=today,
        reason=_marker(world, key, "child", "sentsearchreason"))
    portal.send_home_search(actor, sent, provider_ids=[world.organisations[provider]],
                            offers_close_at=datetime.now(UTC) + timedelta(days=3),
                            reason=_marker(world, key, "child", "sendreason"))
    world.referrals[provider] = sent
    # The officer's saved search of the board (the officer's own: nobody else lists it).
    world.board_searches[key], _ = portal.save_board_search(
        actor, name=_marker(world, key, "private", "boardsearch"),
        setting_type="childrens_home", needs=["emotional_behavioural"])
    portal.set_targets(actor, authority, targets={"children_per_10k": 61.5},
                       reason=_marker(world, key, "private", "targetsreason"))
    # The authority's fostering return for January 2026 (the month the URL-map table
    # names), imported from a file and corrected: its own officers' only.
    from tests.fostering_returns import figures

    portal.import_fostering_returns(
        actor, authority, returns=[(FOSTERING_MONTH, figures())],
        file_name=_marker(world, key, "private", "fosteringfile") + ".csv", today=today)
    portal.correct_fostering_return(actor, authority, month=FOSTERING_MONTH,
                                    figures=figures(approvals=2), today=today,
                                    reason=_marker(world, key, "private", "fosteringreason"))
    name = _marker(world, key, "private", "importfile") + ".csv"
    world.jobs[key] = create_job(svc.engine, authority_id=authority,
                                 user_id=world.accounts["council_officer"][key],
                                 episodes=Upload(folder / name, name), header=None)


def _tenders(world: World, svc, folder: Path) -> None:
    """A tender led by each authority, in its own partnership, open to both providers, with
    a sealed bid from each, a clarification question from each and a document, on a clock set
    in the past (the web requests later run at the real time)."""
    from datetime import UTC, datetime

    from portal.documents.store import sha256, store_for

    portal = svc.portal
    store = store_for(svc)
    previous = portal.clock
    now = {"at": datetime(2026, 1, 5, 9, tzinfo=UTC)}
    portal.clock = lambda: now["at"]
    try:
        for key in ("A", "B"):
            now["at"] = datetime(2026, 1, 5, 9, tzinfo=UTC)
            lead = _actor(world, "council_officer", key)
            authority = world.organisations[key]
            tender, _ = portal.draft_tender(
                lead, lead_authority_id=authority, partnership=PARTNERSHIPS[key],
                title=_marker(world, key, "tender", "tendertitle"),
                description=_marker(world, key, "tender", "tenderdescription"),
                route="block_contract", estimated_annual_value=400_000,
                estimated_total_value=2_000_000, term_months=60,
                lots=[{"name": "Homes", "setting_type": "childrens_home", "area": "Region",
                       "places": 4, "age_from": 8, "age_to": 17, "needs": []}],
                partners=[{"authority_id": authority, "share": 2_000_000}],
                timetable={"engagement_closes": datetime(2026, 2, 2, 12, tzinfo=UTC)})
            world.tenders[key] = tender
            portal.set_questionnaire(lead, tender, questions=[
                {"text": "How many beds could you open?", "kind": "number", "required": True}])
            portal.set_evaluation(lead, tender, quality_questions=[
                {"text": "Your approach", "weight": 100}], quality_weight=60, price_weight=40)
            portal.open_market_engagement(lead, tender)
            now["at"] = datetime(2026, 2, 2, 13, tzinfo=UTC)
            portal.set_tender_timetable(lead, tender, timetable={
                "clarification_deadline": datetime(2026, 3, 2, 12, tzinfo=UTC),
                "bid_deadline": datetime(2026, 3, 16, 12, tzinfo=UTC)})
            portal.publish_invitation(lead, tender)
            now["at"] = datetime(2026, 2, 10, 9, tzinfo=UTC)
            for provider in ("P", "Q"):
                actor = _actor(world, "provider_user", provider)
                world.clarifications[(key, provider)], _ = portal.ask_clarification(
                    actor, tender, provider_id=world.organisations[provider],
                    question=_marker(world, provider, "clarification", f"question{key}",
                                     reader=key))
                world.bids[(key, provider)], _ = portal.submit_bid(
                    actor, tender, provider_id=world.organisations[provider], lot_id="1",
                    weekly_price=5_100,
                    answers={"Q1": _marker(world, provider, "sealed_bid", f"bid{key}")})
            content = f"Specification for tender {key}\n".encode()
            digest, _ = store.put(content)
            world.documents[key], _ = portal.attach_tender_document(
                lead, tender, name=_marker(world, key, "tender", "document") + ".csv",
                document_type="csv", size=len(content), sha256=digest)
            assert digest == sha256(content)
    finally:
        portal.clock = previous


def _notices(world: World, svc) -> None:
    """The notices the tenders raised for providers, and those the home searches raised for
    the providers they were sent to (read-model rows with derived ids)."""
    import sqlalchemy as sa

    from projections.notices import notices
    from projections.search_notices import search_notices

    with svc.engine.connect() as c:
        for key, organisation in world.organisations.items():
            found = list(c.execute(
                sa.select(search_notices.c.id)
                .where(search_notices.c.organisation_id == organisation)
                .order_by(search_notices.c.id)).scalars())
            if found:
                world.search_notices[key] = found
        for key, tender in world.tenders.items():
            world.notices[key] = list(c.execute(
                sa.select(notices.c.id).where(notices.c.tender_id == tender)
                .order_by(notices.c.id)).scalars())
