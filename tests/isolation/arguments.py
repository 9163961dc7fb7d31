"""How to fill every URL argument the portal's routes take, keyed by the argument's name.

A *record* argument names one organisation's record: for a viewer it has the viewer's own
records (where they have any), other organisations' records (each labelled, with a tag the
exemption table can name) and a missing one of the same kind. A *fixed* argument (a table key,
an episode number, an action) names no organisation's record and takes set values.

A route whose argument is not in this table makes the isolation tests fail, naming the route:
a new kind of record must be added here (and to the world in ``world.py``) before its routes
can be proved isolated.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from uuid import uuid4

from werkzeug.routing import AnyConverter, Rule

from tests.isolation.world import AUTHORITIES, ORGANISATION_KINDS, PARTNERSHIPS, World

BASE32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"


@dataclass(frozen=True)
class Other:
    label: str  # says whose record it is, for failure messages
    value: str
    tag: str  # what kind of record, for the exemption table


@dataclass(frozen=True)
class Argument:
    own: Callable[[World, str], list[str]] = lambda world, org: []
    others: Callable[[World, str], list[Other]] = lambda world, org: []
    missing: Callable[[], str] | None = None  # None: a fixed argument
    fixed: tuple[str, ...] = ()

    @property
    def is_record(self) -> bool:
        return self.missing is not None


def _not(org: str, keys) -> list[str]:
    return [key for key in keys if key != org]


def _vacancy_tag(label: str, org: str) -> str:
    if label == "available":
        return "board_vacancy"
    if label == f"held_for_{org}":
        return "held_for_viewer"  # held for the viewer's own authority's search
    return "private_vacancy"


def _vacancies(world: World, org: str) -> list[Other]:
    return [Other(f"provider {key}'s {label} vacancy", str(vacancy), _vacancy_tag(label, org))
            for key in _not(org, world.vacancies) for label, vacancy in
            world.vacancies[key].items()]


def _providers(world: World, org: str) -> list[Other]:
    providers = [Other(f"provider {key}", str(world.organisations[key]), "provider")
                 for key in _not(org, ("P", "Q"))]
    authorities = [Other(f"authority {key} (not a provider)", str(world.organisations[key]),
                         "authority") for key in _not(org, ("A", "B"))]
    return providers + authorities


def _records(table: str, tag: str) -> Callable[[World, str], list[Other]]:
    def others(world: World, org: str) -> list[Other]:
        records = getattr(world, table)
        return [Other(f"{key}'s {tag}", str(records[key]), tag)
                for key in _not(org, records)]
    return others


def _own(table: str) -> Callable[[World, str], list[str]]:
    def own(world: World, org: str) -> list[str]:
        records = getattr(world, table)
        return [str(records[org])] if org in records else []
    return own


def _audit_records(world: World, org: str) -> list[Other]:
    return ([Other(f"authority {key}'s child's placement", str(world.placements[key]),
                   "audit_record") for key in _not(org, world.placements)]
            + [Other(f"authority {key}'s contract", str(world.contracts[key]), "audit_record")
               for key in _not(org, world.contracts)]
            + [Other(f"authority {key}'s home search", str(world.home_searches[key]),
                     "audit_record") for key in _not(org, world.home_searches)]
            + [Other(f"provider {key}'s held vacancy", str(world.vacancies[key]["held"]),
                     "audit_record") for key in _not(org, world.vacancies)])


def _accounts(world: World, org: str) -> list[Other]:
    """One account of every other organisation (its first role's)."""
    found: dict[str, str] = {}
    for role in sorted(world.accounts):
        for key, account in sorted(world.accounts[role].items()):
            if key != org:
                found.setdefault(key, str(account))
    return [Other(f"an account of {key}", account, "account") for key, account in found.items()]


def _own_accounts(world: World, org: str) -> list[str]:
    return [str(accounts[org]) for _, accounts in sorted(world.accounts.items())
            if org in accounts]


def _tender_records(table: str, tag: str, own: bool):
    """Bids and clarifications, keyed (lead authority, provider): the viewer's own are those on
    the tenders it leads or those its provider made."""
    def pick(world: World, org: str):
        records = getattr(world, table)
        mine = [(k, v) for k, v in sorted(records.items()) if org in k]
        if own:
            return [str(v) for _, v in mine]
        return [Other(f"{provider}'s {tag} on {lead}'s tender", str(v), tag)
                for (lead, provider), v in sorted(records.items()) if org not in (lead, provider)]
    return pick


def _notices(world: World, org: str) -> list[Other]:
    return ([Other(f"a notice of {key}'s tender", str(notice), "notice")
             for key, notices in sorted(world.notices.items()) for notice in notices]
            + [Other(f"a home search notice to {key}", str(notice), "search notice")
               for key in _not(org, world.search_notices)
               for notice in world.search_notices[key]])


def _authorities(world: World, org: str) -> list[Other]:
    return [Other(f"authority {key}", str(world.organisations[key]), "authority")
            for key in _not(org, ("A", "B"))]


def missing_child_ref() -> str:
    return "C" + "".join(secrets.choice(BASE32) for _ in range(12))


def _uuid() -> str:
    return str(uuid4())


def _la_codes(world: World, org: str) -> list[Other]:
    return [Other(f"authority {key}'s dashboard", AUTHORITIES[key][0], "dashboard")
            for key in _not(org, AUTHORITIES)]


def _partnerships(world: World, org: str) -> list[Other]:
    from portal.dashboards import slug

    return [Other(f"authority {key}'s partnership", slug(name), "dashboard")
            for key, name in PARTNERSHIPS.items() if key != org]


def _own_partnership(world: World, org: str) -> list[str]:
    from portal.dashboards import slug

    return [slug(PARTNERSHIPS[org])] if org in PARTNERSHIPS else []


ARGUMENTS: dict[str, Argument] = {
    "vacancy_id": Argument(own=lambda w, org: [str(v) for v in w.vacancies.get(org, {}).values()],
                           others=_vacancies, missing=_uuid),
    "provider_id": Argument(
        own=lambda w, org: [str(w.organisations[org])] if ORGANISATION_KINDS[org] == "provider"
        else [], others=_providers, missing=_uuid),
    "contract_id": Argument(own=_own("contracts"), others=_records("contracts", "contract"),
                            missing=_uuid),
    "search_id": Argument(own=_own("home_searches"),
                          others=_records("home_searches", "home search"), missing=_uuid),
    "referral_id": Argument(own=_own("referrals"), others=_records("referrals", "referral"),
                            missing=_uuid),
    "board_search_id": Argument(own=_own("board_searches"),
                                others=_records("board_searches", "saved search"),
                                missing=_uuid),
    "out_of_area_id": Argument(own=_own("out_of_area"),
                               others=_records("out_of_area", "out-of-area placement"),
                               missing=_uuid),
    "job_id": Argument(own=_own("jobs"), others=_records("jobs", "import job"), missing=_uuid),
    "record_id": Argument(own=_own("placements"), others=_audit_records, missing=_uuid),
    "child_ref": Argument(own=_own("children"), others=_records("children", "child"),
                          missing=missing_child_ref),
    "account_id": Argument(own=_own_accounts, others=_accounts, missing=_uuid),
    "identity_provider_id": Argument(own=_own("identity_providers"),
                                     others=_records("identity_providers",
                                                     "identity provider"), missing=_uuid),
    "la_code": Argument(own=lambda w, org: [AUTHORITIES[org][0]] if org in AUTHORITIES else [],
                        others=_la_codes, missing=lambda: "999"),
    "name": Argument(own=_own_partnership, others=_partnerships,
                     missing=lambda: "no-such-partnership"),
    "tender_id": Argument(own=_own("tenders"), others=_records("tenders", "tender"),
                          missing=_uuid),
    "bid_id": Argument(own=_tender_records("bids", "bid", True),
                       others=_tender_records("bids", "bid", False), missing=_uuid),
    "clarification_id": Argument(own=_tender_records("clarifications", "clarification", True),
                                 others=_tender_records("clarifications", "clarification",
                                                        False), missing=_uuid),
    "document_id": Argument(own=_own("documents"), others=_records("documents", "document"),
                            missing=_uuid),
    "notice_id": Argument(others=_notices, missing=_uuid),
    "authority_id": Argument(
        own=lambda w, org: [str(w.organisations[org])] if org in AUTHORITIES else [],
        others=_authorities, missing=_uuid),
    # The council's own homes (their pipeline) and its places in development.
    "setting_id": Argument(own=_own("council_homes"),
                           others=_records("council_homes", "council home"), missing=_uuid),
    "development_id": Argument(own=_own("developments"),
                               others=_records("developments", "scheme"), missing=_uuid),
    "client_id": Argument(own=_own("api_clients"), others=_records("api_clients", "API client"),
                          missing=_uuid),
    "subscription_id": Argument(own=_own("webhooks"),
                                others=_records("webhooks", "webhook subscription"),
                                missing=_uuid),
    # Fixed arguments: they name no organisation's record.
    # A month of the viewer's own authority's fostering returns: the address names no
    # authority, so another's month is never reached (the world records January 2026 for both).
    "year": Argument(fixed=("2026",)),
    "month": Argument(fixed=("1",)),
    "number": Argument(fixed=("1",)),
    "lot": Argument(fixed=("1",)),
    "key": Argument(fixed=("children-in-care", "block-contracts")),
    # An invitation's or a password reset's single-use link token (no record of anyone's).
    "token": Argument(fixed=("not-a-link-token",)),
}


class UnknownArgument(AssertionError):
    pass


def fixed_values(rule: Rule, name: str) -> tuple[str, ...]:
    converter = rule._converters[name]
    if isinstance(converter, AnyConverter):
        return tuple(sorted(converter.items))
    return ARGUMENTS[name].fixed


def check_known(rule: Rule) -> None:
    unknown = [name for name in rule.arguments
               if name not in ARGUMENTS and not isinstance(rule._converters[name], AnyConverter)]
    if unknown:
        raise UnknownArgument(
            f"{rule.rule} ({rule.endpoint}) takes {', '.join(sorted(unknown))}, which the "
            "isolation tests do not know: add it to tests/isolation/arguments.py ARGUMENTS "
            "(with records of two organisations in tests/isolation/world.py)")


@dataclass
class Filled:
    """One way to fill a rule's arguments: ``values`` names another organisation's record in
    ``argument`` (labelled ``other``); ``missing`` is the same with a missing record instead."""

    values: dict[str, str]
    missing: dict[str, str] | None = None
    argument: str | None = None
    other: Other | None = None
    extra: dict = field(default_factory=dict)


def fillings(rule: Rule, world: World, org: str) -> list[Filled]:
    """Every way the tests fill ``rule`` for a viewer of organisation ``org``: for each record
    argument, each other organisation's record in turn (the other arguments the viewer's own
    where they have one); with no record argument, the fixed values alone."""
    check_known(rule)
    names = sorted(rule.arguments)
    base: dict[str, str] = {}
    for name in names:
        argument = ARGUMENTS.get(name)
        if argument is None or not argument.is_record:
            base[name] = fixed_values(rule, name)[0]
        else:
            own = argument.own(world, org)
            base[name] = own[0] if own else argument.missing()
    records = [n for n in names if n in ARGUMENTS and ARGUMENTS[n].is_record]
    if not records:
        # Every fixed value of every fixed argument, one argument varied at a time.
        result = [Filled(dict(base))]
        for name in names:
            for value in fixed_values(rule, name)[1:]:
                result.append(Filled({**base, name: value}))
        return result
    result = []
    for name in records:
        argument = ARGUMENTS[name]
        missing = {**base, name: argument.missing()}
        for other in argument.others(world, org):
            result.append(Filled({**base, name: other.value}, missing, name, other))
    return result


def url_for_rule(rule: Rule, values: dict[str, str]) -> str:
    path = rule.rule
    for name, value in values.items():
        path = path.replace(f"<{_spec(rule, name)}>", value)
    return path


def _spec(rule: Rule, name: str) -> str:
    import re

    match = re.search(rf"<([^<>]*:)?{name}>", rule.rule)
    assert match, (rule.rule, name)
    return match.group(0)[1:-1]
