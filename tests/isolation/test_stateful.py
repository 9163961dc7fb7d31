"""Proof of isolation by generated traffic: a hypothesis state machine sends at least 10,000
requests per run, as every role of every organisation in the world, GET and POST to every route
with their own, other organisations', missing and malformed identifiers, random and malformed
form fields, and well-formed forms aimed at other organisations' records, each POST with a valid
CSRF token so it reaches the view.

It counts

- cross-organisation reads: a response (body or headers) holding another organisation's marker
  the viewer may not see (child-level and private records; see ``world.may_see``; regional
  aggregates carry no markers and are allowed);
- cross-organisation writes: a stored event on a record another organisation owns, by an actor
  of a different organisation, or any event an auditor's request stored (except on their own
  account; an account an administrator has since granted another role writes as that role).
  Written by design across organisations, and so not counted: platform administrators
  managing organisations, accounts, identity providers and reference data; a joint tender's
  parties (its lead and partner councils, a provider for itself: its questions, responses and
  bids); and the record of a permitted document download, which is the reader's own trace;

and both counts must be 0. A response a request sent back its own value in (a form field
echoed) is not a read of anything, nor is what the portal's use has since shared by design (a
vacancy released onto the board; a provider's user named to a tender's councils beside their
download of its documents). Requests answered 5xx are listed in the printout.

The requests are shared between two processes (one per core), each with a portal on its own
copy of the world; within a process the portal is shared by the run's examples, so changes one
example makes are there for the next: what matters is each response and each event, and both
are checked as they happen.
"""

from __future__ import annotations

import re
import time
from concurrent.futures import ProcessPoolExecutor
from datetime import date, timedelta
from multiprocessing import get_context
from pathlib import Path
from uuid import UUID

import sqlalchemy as sa
from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, rule, run_state_machine_as_test

from domain.permissions import can
from domain.principal import Principal
from domain.vacancy import AVAILABLE
from domain.vocabulary import ROLES
from projections.directory import accounts
from projections.vacancies import vacancy_board
from tests.isolation.arguments import ARGUMENTS, fixed_values, url_for_rule
from tests.isolation.checks import METHODS, STATE_CHANGING, leaked, response_text
from tests.isolation.conftest import Portal
from tests.isolation.test_url_map import SESSION_ENDPOINTS, routes
from tests.isolation.world import Marker, World

REQUESTS = 10_000
TEMPLATES = Path(__file__).parents[2] / "portal" / "templates"
# Fields the form macros build in Python (dates in three parts, codes), besides those the
# templates name.
FIELDS = {"start", "end", "on", "birth_month", "legal_status", "cin", "place", "place_provider",
          "home_postcode", "placement_postcode", "weekly_cost", "contract_route", "rec", "rne",
          "reason_place_change", "title", "weekly_price", "children_per_10k", "out_of_area_pct",
          "over_20_miles_pct", "la_code", "ons_code", "name", "population_0_17", "partnerships",
          "key_decision_threshold", "ofsted_urn", "postcode_district", "registered_places",
          "available_from", "expires_on", "page", "child_id", "discovery_url", "client_id",
          "client_secret_ref", "allowed_domains", "urgency", "placement_types", "age", "sex",
          "siblings", "needs", "family_district", "school_district", "stay_near_school",
          "areas_to_avoid", "unfilled_reason"}
# Kinds of record a platform administrator manages region-wide (the modules of their events).
PLATFORM_MANAGED = ("domain.organisation", "domain.account", "domain.identity_provider",
                    "domain.district_file", "domain.gazetteer")


def field_names() -> list[str]:
    names = set(FIELDS)
    for template in TEMPLATES.rglob("*.html"):
        text = template.read_text()
        names.update(re.findall(r'"name": "(\w+)"', text))
        names.update(re.findall(r'name="(\w+)"', text))
    names.discard("csrf_token")
    dated = {f"{name}-{part}" for name in ("start", "end", "on", "available_from", "expires_on",
                                           "birth_month", "from", "to", "started_from",
                                           "needed_by", "latest_start")
             for part in ("day", "month", "year")}
    return sorted(names | dated)


def values(world: World) -> list[str]:
    """Values worth putting in a field: every identifier in the world (anyone's), codes the
    forms know, dates, numbers, and malformed ones."""
    today = world.today
    ids = [str(i) for i in world.organisations.values()]
    ids += [str(i) for i in world.settings.values()] + [str(i) for i in world.contracts.values()]
    ids += [str(v) for vs in world.vacancies.values() for v in vs.values()]
    ids += [str(a) for role in world.accounts.values() for a in role.values()]
    ids += [str(i) for i in world.identity_providers.values()]
    return ids + list(world.children.values()) + list(ROLES) + [
        "", "1", "0", "-1", "4", "17", "61.5", "4000", "999999999999", "yes", "no", "on",
        today.isoformat(), str(today.day), str(today.month), str(today.year), "2012-03",
        "K2", "C2", "S", "P", "E13", "N1", "framework", "block", "spot", "childrens_home",
        "emotional_behavioural", "886", "879", "ME14", "PL1", "x" * 5_000, "<script>", "ü\u202e",
        "\x00", "not-a-uuid", "' OR 1=1 --", "../../etc/passwd", "HS-1",
    ]


def valid_forms(world: World) -> dict[str, list[dict[str, str]]]:
    """Well-formed forms for the state-changing routes, so some requests get past validation
    and reach the command with whatever record the address names."""
    soon, later = world.today + timedelta(days=10), world.today + timedelta(days=800)

    def day(name: str, when: date) -> dict[str, str]:
        return {f"{name}-day": str(when.day), f"{name}-month": str(when.month),
                f"{name}-year": str(when.year)}

    setting_ids = [str(s) for s in world.settings.values()]
    providers = [str(world.organisations[k]) for k in ("P", "Q")]
    return {
        "manage.change_status": [{"reason": "Checked again", "home_search_ref": "HS-2"}],
        "manage.edit": [{"age_from": "10", "age_to": "17", "weekly_fee": "4300", "places": "1",
                         "needs_met": "emotional_behavioural", "description": "Changed",
                         **day("available_from", soon)}],
        "manage.new": [{"setting_id": s, "age_from": "10", "age_to": "17", "weekly_fee": "4100",
                        "places": "1", "needs_met": "emotional_behavioural",
                        "description": "New", **day("available_from", soon)}
                       for s in setting_ids],
        "contracts.vary": [{"places": "", "weekly_price": "4150", "reason": "Uplift",
                            **day("end", later)}],
        "contracts.terminate": [{"reason": "Ended early", **day("on", soon)}],
        "contracts.new": [{"title": "Generated", "provider_id": p, "route": "framework",
                           "setting_type": "childrens_home", "places": "", "weekly_price": "3000",
                           **day("start", world.today), **day("end", later)}
                          for p in providers],
        "placements.end": [{"rec": "E13", "reason": "Went home", **day("on", world.today)}],
        "placements.correct_child": [{"sex": "1", "uasc": "no", "reason": "Typo",
                                      "birth_month-month": "4", "birth_month-year": "2012"}],
        "targets.edit": [{"children_per_10k": "55", "reason": "New strategy"}],
        "home_searches.cancel": [{"reason": "Generated"}],
        "home_searches.close": [{"unfilled_reason": "no_match", "reason": "Generated"}],
        "home_searches.edit": [{"urgency": "emergency", "placement_types": "childrens_home",
                                "age": "12", "sex": "1", "siblings": "0", "legal_status": "C2",
                                "stay_near_school": "no", **day("needed_by", soon),
                                **day("latest_start", soon)}],
        "users.change": [{"role": role, "reason": "Generated"} for role in ROLES],
        "admin.provider": [{"name": "Generated Home", "setting_type": "childrens_home",
                            "host_authority_id": str(world.organisations["B"]),
                            "postcode_district": "PL1", "registered_places": "2"}],
        "opportunities.ask": [{"question": "Generated question", "lot": "1"}],
        "opportunities.bid": [{"weekly_price": "5000"}],
        "tenders.cancel": [{"reason": "Generated"}],
        "identity_providers.disable": [{"reason": "Generated"}],
        "identity_providers.enable": [{"reason": "Generated"}],
    }


WORKERS = 2  # one process per core: the requests are CPU-bound


def test_generated_traffic_never_crosses_organisations(isolation_world, databases, tmp_path):
    world, built = isolation_world
    started = time.perf_counter()
    folders = [tmp_path / f"worker-{n}" for n in range(WORKERS)]
    # Each worker's private copy is made here, before the fork: a forked child must not use
    # the parent's connection to the database server.
    urls = [built.copy_into(databases, folder) for folder in folders]
    with ProcessPoolExecutor(WORKERS, mp_context=get_context("fork")) as pool:
        results = list(pool.map(drive, [world] * WORKERS, urls, folders,
                                [-(-REQUESTS // WORKERS)] * WORKERS))
    seconds = time.perf_counter() - started
    requests = sum(r["requests"] for r in results)
    reads = [line for r in results for line in r["reads"]]
    writes = [line for r in results for line in r["writes"]]
    cpu = sum(r["cpu"] for r in results)
    errors = [line for r in results for line in r["errors"]]
    print(f"\nGenerated isolation traffic: {requests} requests in {seconds:.1f} s "
          f"({WORKERS} processes, {cpu:.1f} s of CPU), {len(reads)} cross-organisation reads, "
          f"{len(writes)} cross-organisation writes; {len(errors)} answered 5xx"
          + "".join(f"\n  5xx: {line}" for line in sorted(set(errors))[:20]))
    assert reads == [], "\n".join(reads[:50])
    assert writes == [], "\n".join(writes[:50])
    assert requests >= REQUESTS


def drive(world: World, url: str, folder: Path, quota: int) -> dict:
    """Send at least ``quota`` generated requests to a portal on a private copy of the world
    (at ``url``, its instance files in ``folder``); return how many, and every
    cross-organisation read and write seen."""
    portal = Portal(world, url, folder)
    rules = list(routes(portal.app))
    viewers = [(role, org) for role in ROLES for org in sorted(world.accounts.get(role, {}))]
    names, pool, forms = field_names(), values(world), valid_forms(world)
    tally: dict = {"requests": 0, "reads": [], "writes": [], "errors": [],
                   "seen": portal.position()}
    def roles_of(account_id: UUID) -> set[str]:
        with portal.services.engine.connect() as c:
            roles = c.execute(sa.select(accounts.c.roles).where(accounts.c.id == account_id)
                              ).scalar()
        return set((roles or "").split())

    writes = Writes(world, roles_of)

    def argument_values(rule, name: str, org: str) -> list[str]:
        argument = ARGUMENTS.get(name)
        if argument is None or not argument.is_record:
            return [*fixed_values(rule, name), "0", "zz"]
        malformed = "C" + "0" * 12 if name == "child_ref" else "not-a-uuid"
        return [*argument.own(world, org), *(o.value for o in argument.others(world, org)),
                argument.missing(), malformed]

    def live_principal(role: str, org: str) -> Principal:
        """The account's roles now (an administrator may have granted or revoked some)."""
        account_id = world.accounts[role][org]
        with portal.services.engine.connect() as c:
            row = c.execute(sa.select(accounts.c.roles).where(accounts.c.id == account_id)
                            ).scalar_one()
        base = world.principal(role, org)
        return Principal(user_id=base.user_id, email="", display_name="",
                         organisation_id=base.organisation_id,
                         organisation_kind=base.organisation_kind, organisation_name="",
                         roles=frozenset(row.split()))

    def shared_since(marker: Marker, principal: Principal, org: str) -> bool:
        """Whether the portal's use has since shared this marker with the viewer by design: a
        vacancy released (or published) onto the board, or a provider's user who downloaded
        a tender's documents, whose name the tender's councils see beside the download."""
        if marker.record is None:
            return False
        if marker.kind == "account":
            return any(user == marker.record and world.organisations[org] in
                       writes.parties.get(tender, set()) for user, tender in writes.downloads)
        with portal.services.engine.connect() as c:
            status = c.execute(sa.select(vacancy_board.c.status).where(
                vacancy_board.c.id == marker.record)).scalar()
        return status == AVAILABLE and can(principal, "vacancies.search")

    def check_events() -> None:
        """Every event stored since the last look, against who owns its record."""
        log = portal.services.portal.notification_log
        mapper = portal.services.portal.mapper
        while notifications := log.select(start=tally["seen"] + 1, limit=10):
            for notification in notifications:
                tally["seen"] = notification.id
                problem = writes.problem(mapper.to_domain_event(notification),
                                         notification.topic)
                if problem:
                    tally["writes"].append(problem)

    class Traffic(RuleBasedStateMachine):
        def send(self, viewer, rule, method: str, picks, data: dict | None):
            role, org = viewer
            client, token = portal.client(role, org)
            filled = {name: (lambda options: options[picks.draw(
                st.integers(0, len(options) - 1))])(argument_values(rule, name, org))
                for name in sorted(rule.arguments)}
            url = url_for_rule(rule, filled)
            # Half the requests as htmx makes them: partials and their error fragments.
            headers = {"HX-Request": "true"} if picks.draw(st.booleans()) else {}
            if method in STATE_CHANGING:
                response = client.open(url, method=method, headers=headers,
                                       data={**(data or {}), "csrf_token": token})
            else:
                response = client.open(url, method=method, headers=headers,
                                       query_string=data or {})
            tally["requests"] += 1
            if response.status_code >= 500:
                tally["errors"].append(f"{method} {url} as {role} of {org}")
            # A value the request itself carried (a form field echoed back) is not a leak.
            sent = url + " " + " ".join(str(v) for v in (data or {}).values())
            check_events()
            principal = live_principal(role, org)
            shown = [m for m in leaked(world, principal, org, response_text(response))
                     if m.text not in sent and not shared_since(m, principal, org)]
            if shown:
                tally["reads"].append(f"{method} {url} as {role} of {org}: "
                                      f"{[m.text for m in shown]}")
            if response.status_code in (302, 303) and \
                    response.headers.get("Location", "").startswith("/sign-in"):
                portal.resign(role, org)  # signed out (or suspended by an administrator)

        @rule(viewer=st.sampled_from(viewers), rule_=st.sampled_from(rules),
              fields=st.dictionaries(st.sampled_from(names),
                                     st.one_of(st.sampled_from(pool), st.text(max_size=30)),
                                     max_size=6),
              post=st.booleans(), picks=st.data())
        def random_request(self, viewer, rule_, fields, post, picks):
            methods = [m for m in METHODS if m in rule_.methods]
            if post or "GET" not in methods:
                methods = [m for m in methods if m in STATE_CHANGING] or methods
            if rule_.endpoint in SESSION_ENDPOINTS:
                methods = ["GET"] if "GET" in rule_.methods else []
            if not methods:
                return
            method = methods[picks.draw(st.integers(0, len(methods) - 1))]
            self.send(viewer, rule_, method, picks, fields)

        @rule(viewer=st.sampled_from(viewers), picks=st.data())
        def well_formed_post(self, viewer, picks):
            candidates = [r for r in rules if r.endpoint in forms and
                          STATE_CHANGING & r.methods]
            rule_ = picks.draw(st.sampled_from(candidates))
            data = picks.draw(st.sampled_from(forms[rule_.endpoint]))
            self.send(viewer, rule_, "POST", picks, data)

    cpu = time.process_time()
    try:
        while tally["requests"] < quota:
            run_state_machine_as_test(Traffic, settings=settings(
                max_examples=20, stateful_step_count=50, deadline=None, database=None,
                phases=[Phase.generate], suppress_health_check=list(HealthCheck)))
        check_events()
    finally:
        portal.close()
    tally["cpu"] = time.process_time() - cpu
    return tally


class Writes:
    """Judges each stored event: who owns the record it is on, and may this actor write it?"""

    OWNER_FIELDS = ("authority_id", "provider_id", "organisation_id", "lead_authority_id",
                    "placing_authority_id")
    # A joint tender's records are written by its parties: the lead and partner councils, and
    # a provider for itself (its questions, responses and bids).
    TENDER_TOPICS = ("domain.tender", "domain.bid", "domain.engagement")

    def __init__(self, world: World, roles_of) -> None:
        self.world = world
        self.roles_of = roles_of  # account id -> its roles now
        self.owners: dict[UUID, UUID] = {v: v for v in world.organisations.values()}
        for role in world.accounts.values():
            for key, account in role.items():
                self.owners[account] = world.organisations[key]
        for key, vacancies in world.vacancies.items():
            for vacancy in vacancies.values():
                self.owners[vacancy] = world.organisations[key]
        for table in ("placements", "contracts", "home_searches", "identity_providers", "tenders",
                      "documents", "board_searches", "out_of_area", "api_clients",
                      "webhooks"):
            for key, record in getattr(world, table).items():
                self.owners[record] = world.organisations[key]
        self.parties: dict[UUID, set[UUID]] = {
            tender: {world.organisations[key]} for key, tender in world.tenders.items()}
        self.tender_of: dict[UUID, UUID] = {}
        for (lead, provider), bid in world.bids.items():
            self.owners[bid] = world.organisations[provider]
            self.tender_of[bid] = world.tenders[lead]
        self.auditors = set(world.accounts.get("auditor", {}).values())
        self.downloads: set[tuple[UUID, UUID]] = set()  # (user, tender)
        self.platform_admins = set(world.accounts.get("platform_admin", {}).values())

    def _learn(self, event, topic: str) -> None:
        record = event.originator_id
        if getattr(event, "tender_id", None):
            self.tender_of.setdefault(record, event.tender_id)
        partners = getattr(event, "partners", None)
        if topic.startswith("domain.tender:") and getattr(event, "lead_authority_id", None):
            self.parties[record] = {event.lead_authority_id}
        if isinstance(partners, list) and record in self.parties:
            self.parties[record] |= {p.get("authority_id") for p in partners
                                     if isinstance(p, dict)}
        if record not in self.owners:
            found = [getattr(event, name) for name in self.OWNER_FIELDS
                     if getattr(event, name, None)]
            if not found and topic.endswith(("Registered", "PlatformOrganisation.Created")):
                found = [record]  # an organisation is its own owner
            if found:
                self.owners[record] = found[0]

    def problem(self, event, topic: str) -> str | None:
        self._learn(event, topic)
        record = event.originator_id
        actor = getattr(event, "actor", None)
        if actor is None or actor.user_id is None:
            return None  # the system (an expiry, a failed sign-in recorded on the account)
        if "DocumentDownload." in topic:
            self.downloads.add((actor.user_id, self.tender_of.get(record)))
            return None  # the trace of a permitted read, recorded as the reader
        if actor.user_id in self.auditors and record != actor.user_id and \
                self.roles_of(actor.user_id) <= {"auditor"}:
            # (An administrator may since have granted the account another role: then it
            # writes as that role, judged below.)
            return f"{topic} on {record}: stored by an auditor"
        owner = self.owners.get(record)
        if owner == actor.organisation_id:
            return None
        if topic.startswith(PLATFORM_MANAGED) and (
                actor.user_id in self.platform_admins
                or "platform_admin" in self.roles_of(actor.user_id)):
            # (Including an account a platform administrator has since made one.)
            return None
        if topic.startswith(self.TENDER_TOPICS):
            tender = self.tender_of.get(record, record)
            if actor.organisation_id in self.parties.get(tender, set()) or \
                    actor.organisation_id == getattr(event, "provider_id", None):
                return None
        if owner is None:
            return f"{topic} on {record}: a record with no owning organisation, by {actor}"
        return (f"{topic} on {record} (owned by {self.world.owner_of(owner)}): by {actor} of "
                f"{self.world.owner_of(actor.organisation_id)}")
