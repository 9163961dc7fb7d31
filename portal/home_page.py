"""The signed-in home page: what the user's role does here, and what needs attention now.

Each role sees the tasks its permissions allow (the same permission table as the pages
themselves, so a link here never leads to a refusal), and a short panel per thing that is
waiting on it: an officer's open home searches, saved searches of the board with new matches,
imports with rejected rows and tenders closing soon; a provider's searches awaiting an answer,
open opportunities and vacancies about to expire; an auditor's latest signed checkpoint,
checked against the deployment's key and the log as it stands; an administrator's invitations
not yet accepted. Every panel reads through the query functions that take the viewer, so it
shows nothing the viewer's own pages would not.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

import sqlalchemy as sa
from cryptography.exceptions import InvalidSignature
from flask import url_for

from domain.permissions import can
from domain.vocabulary import ROLES, SETTING_TYPES
from portal.imports.job_records import past_imports
from portal.presenters import long_date
from portal.views.tender_helpers import uk_time
from projections.account_queries import pending_invitations
from projections.audit.checkpoints import Checkpoint, audit_checkpoints
from projections.audit.log import tree_state
from projections.home_search_queries import home_searches_for
from projections.notices import unread_board_matches
from projections.referral_queries import referrals_for
from projections.tender_queries import provider_opportunities, tender_list
from projections.vacancy_queries import own_vacancies

# How far ahead a deadline or an expiry counts as "soon".
TENDERS_SOON = timedelta(days=14)
EXPIRY_SOON = timedelta(days=7)
SHOWN = 5  # items a panel lists before "and N more"

# (permission, endpoint, link text, what it is for): in the order a user of the role works.
TASKS: tuple[tuple[str, str, str, str], ...] = (
    ("home_searches.manage", "home_searches.new", "Start a home search",
     "describe a child's needs and see the region's vacancies ranked for them"),
    ("home_searches.view", "home_searches.index", "Home searches",
     "your authority's searches, their offers and outcomes"),
    ("vacancies.search", "vacancies.search", "Vacancy board",
     "open places across the region, by type, age, needs and fee"),
    ("placements.view", "placements.children", "Placements",
     "your authority's children in care and where they live"),
    ("placements.import", "imports.index", "Import an SSDA903 return",
     "bring your authority's episodes in from its case-management system"),
    ("sufficiency.view_regional", "sufficiency.index", "Sufficiency dashboards",
     "children in care, out of area, costs, capacity and forecast need"),
    ("targets.manage", "targets.edit", "Sufficiency targets",
     "the targets your authority's dashboard is measured against"),
    ("fostering.manage", "fostering.index", "In-house fostering",
     "your fostering households, places and recruitment, month by month"),
    ("contracts.manage", "contracts.index", "Contracts",
     "block, framework and spot contracts, and block places left empty"),
    ("in_house.manage", "council_homes.index", "Council homes and services",
     "the homes your authority runs itself and their registration with Ofsted"),
    ("developments.manage", "developments.index", "Places in development",
     "new places your authority is building or commissioning, and when they open"),
    ("tenders.lead", "tenders.index", "Tenders", "joint tenders your authority leads or joins"),
    ("tenders.pipeline", "tender_pipelines.pipeline", "Tender pipeline",
     "the partnership's planned and running tenders"),
    ("vacancies.manage", "manage.new", "Publish a vacancy",
     "offer a place at one of your settings"),
    ("vacancies.view_own", "manage.index", "Your vacancies",
     "update, hold, fill or withdraw the places you have published"),
    ("referrals.answer", "referrals.index", "Home searches sent to you",
     "answer with an offer or a decline before the deadline"),
    ("tenders.respond", "tender_pipelines.opportunities", "Tender opportunities",
     "market engagement and invitations to tender open to you"),
    ("notices.read", "notices.index", "Notices",
     "home searches, offers, tenders opening, clarifications and deadlines"),
    ("audit.read", "audit.events", "Event history", "every change, who made it, when and why"),
    ("audit.read", "as_at.show", "Views as they stood",
     "any view of the portal as it stood at a past moment"),
    ("audit.read", "checkpoints.index", "Signed checkpoints",
     "the deployment's key and checkpoints, to verify the log offline"),
    ("audit.read", "audit.access", "Access history", "sign-ins and changes to access"),
    ("accounts.manage", "users.index", "Users", "accounts, roles and invitations"),
    ("organisations.manage", "admin.index", "Administration",
     "partner councils, providers and their settings"),
    ("identity_providers.manage", "identity_providers.index", "Identity providers",
     "single sign-on for each organisation"),
    ("reference.manage", "reference.index", "Postcode districts",
     "the reference data behind distances and areas"),
    ("system.health", "admin.projections", "Projections",
     "whether every view is up to date with the event log"),
    ("directory.view", "directory.index", "Directory", "partner councils, providers and settings"),
)


@dataclass(frozen=True)
class Task:
    text: str
    href: str
    hint: str


@dataclass(frozen=True)
class Item:
    text: str
    href: str
    detail: str


@dataclass
class Panel:
    """One thing that may need the user: its items, or what to say when there are none."""

    heading: str
    empty: str
    more_text: str
    more_href: str
    items: list[Item] = field(default_factory=list)
    total: int = 0
    summary: str = ""  # a sentence above the items (the auditor's checkpoint)

    @property
    def hidden(self) -> int:
        return max(0, self.total - len(self.items))


def tasks(principal) -> list[Task]:
    """The role's tasks, each once (two permissions may lead to one page)."""
    seen: set[str] = set()
    out = []
    for action, endpoint, text, hint in TASKS:
        if can(principal, action) and endpoint not in seen:
            seen.add(endpoint)
            out.append(Task(text, url_for(endpoint), hint))
    return out


def _listed(panel: Panel, items: list[Item]) -> Panel:
    panel.total = len(items)
    panel.items = items[:SHOWN]
    return panel


def _open_searches(viewer, c: sa.Connection, now: datetime) -> Panel:
    searches = [s for s in home_searches_for(viewer, c) if s["is_open"]]
    return _listed(Panel("Open home searches", "Your authority has no open home searches.",
                         "All home searches", url_for("home_searches.index")),
                   [Item(f"Child {s['child_ref']}",
                         url_for("home_searches.show", search_id=s["id"]),
                         f"{s['status_label']}, {s['urgency_label'].lower()}, needed by "
                         f"{long_date(s['needed_by'])}") for s in searches])


def _board_matches(viewer, c: sa.Connection, now: datetime) -> Panel:
    found = unread_board_matches(viewer, c)
    return _listed(Panel("Saved searches with new matches",
                         "No new vacancy matches your saved searches of the board.",
                         "Your saved searches", url_for("board_searches.index")),
                   [Item(r["search_name"], url_for("notices.index"),
                         f"{r['unread']:,} new matching "
                         f"{'vacancy' if r['unread'] == 1 else 'vacancies'}")
                    for r in found])


def _rejected_imports(viewer, c: sa.Connection, now: datetime) -> Panel:
    imports = [i for i in past_imports(viewer, c, limit=20) if i["rejected"]]
    return _listed(Panel("Imports with rejected rows",
                         "No recent import of your authority's has rejected rows.",
                         "All imports", url_for("imports.index")),
                   [Item(i["file_name"],
                         url_for("imports.show", job_id=i["job_id"]) if i["job_id"]
                         else url_for("imports.index"),
                         f"{_count(i['rejected'], 'row')} rejected of {i['rows']:,}, "
                         f"imported at {uk_time(_aware(i['imported_at']))}") for i in imports])


def _closing_tenders(viewer, c: sa.Connection, now: datetime) -> Panel:
    soon = []
    for tender in tender_list(viewer, c):
        deadline = _deadline(tender)
        if deadline is not None and now <= deadline <= now + TENDERS_SOON:
            soon.append((deadline, tender))
    soon.sort(key=lambda pair: (pair[0], pair[1]["title"]))
    return _listed(Panel("Tenders closing in the next two weeks",
                         "No tender you take part in closes in the next two weeks.",
                         "All tenders", url_for("tenders.index")),
                   [Item(t["title"], url_for("tenders.show", tender_id=t["id"]),
                         f"closes at {uk_time(d)}") for d, t in soon])


def _referrals(viewer, c: sa.Connection, now: datetime) -> Panel:
    waiting = [r for r in referrals_for(viewer, c) if r["answer"] is None
               and r["offers_close_at"] is not None and r["offers_close_at"] > now]
    waiting.sort(key=lambda r: r["offers_close_at"])
    return _listed(Panel("Home searches waiting for your answer",
                         "No home search sent to you is waiting for an answer.",
                         "All home searches sent to you", url_for("referrals.index")),
                   [Item(f"{r['authority_name']}: {', '.join(r['placement_type_labels'])}",
                         url_for("referrals.show_referral", referral_id=r["id"]),
                         f"{r['age_band']}, {r['urgency_label'].lower()}, answer by "
                         f"{uk_time(r['offers_close_at'])}") for r in waiting])


def _opportunities(viewer, c: sa.Connection, now: datetime) -> Panel:
    open_now = provider_opportunities(viewer, c, now=now)
    return _listed(Panel("Tender opportunities open to you",
                         "No tender is open to your organisation now.",
                         "All tender opportunities",
                         url_for("tender_pipelines.opportunities")),
                   [Item(t["title"], url_for("opportunities.show", tender_id=t["id"]),
                         f"closes at {uk_time(t['closes'])}" if t["closes"]
                         else "no closing date set") for t in open_now])


def _expiring_vacancies(viewer, c: sa.Connection, now: datetime) -> Panel:
    today = now.date()
    rows, _closed = own_vacancies(viewer, c, page_size=1)
    due = sorted((v for v in rows if v["expires_on"] is not None
                  and v["expires_on"] <= today + EXPIRY_SOON), key=lambda v: v["expires_on"])
    return _listed(Panel("Vacancies about to expire",
                         "None of your open vacancies expires in the next week.",
                         "All your vacancies", url_for("manage.index")),
                   [Item(f"{v['setting_name']}: {SETTING_TYPES.get(v['setting_type'], '')}",
                         url_for("manage.show", vacancy_id=v["id"]),
                         f"expires {_expiry(v['expires_on'], today)}") for v in due])


def _invitations(viewer, c: sa.Connection, now: datetime) -> Panel:
    pending = pending_invitations(viewer, c)
    return _listed(Panel("Invitations not yet accepted",
                         "Every invited user has accepted their invitation.",
                         "All users", url_for("users.index")),
                   [Item(a["display_name"] or a["email"],
                         url_for("users.account", account_id=a["id"]),
                         f"{a['organisation_name']}, invited as "
                         f"{_roles(a['roles'])}") for a in pending])


def _checkpoint(viewer, c: sa.Connection, now: datetime, *, key=None) -> Panel:
    row = c.execute(sa.select(audit_checkpoints).order_by(audit_checkpoints.c.id.desc())
                    .limit(1)).mappings().first()
    panel = Panel("The audit log", "No checkpoint has been signed yet: the log is empty.",
                  "Signed checkpoints and the public key", url_for("checkpoints.index"))
    if row is None:
        return panel
    latest = Checkpoint.from_row(row)
    size, _position, root = tree_state(c)
    panel.summary = (f"The latest checkpoint was signed at {uk_time(latest.signed_at)}, "
                     f"covering {_count(latest.tree_size, 'event')}. "
                     + _verified(latest, key, size, root))
    return panel


def _verified(latest: Checkpoint, key, size: int, root: bytes) -> str:
    """Checked here against the deployment's public key and the log as it stands now; the
    offline check of every event is `portal audit verify` on a downloaded export."""
    try:
        key.public_key.verify(latest.signature, latest.message())
    except InvalidSignature:
        return ("Its signature does NOT verify with this deployment's key: "
                "report it to the platform's administrators.")
    if latest.tree_size == size and latest.root != root:
        return ("Its root does NOT match the log as it stands: "
                "report it to the platform's administrators.")
    behind = size - latest.tree_size
    tail = "" if behind <= 0 else f" {_count(behind, 'later event')} await the next checkpoint."
    return f"Its signature verifies with this deployment's key.{tail}"


# (permission, panel): what needs attention, in the order a role's day runs.
PANELS: tuple[tuple[str, Callable[..., Panel]], ...] = (
    ("home_searches.view", _open_searches),
    ("board_searches.manage", _board_matches),
    ("placements.import", _rejected_imports),
    ("tenders.lead", _closing_tenders),
    ("referrals.answer", _referrals),
    ("tenders.respond", _opportunities),
    ("vacancies.view_own", _expiring_vacancies),
    ("accounts.manage", _invitations),
)


def panels(principal, engine: sa.Engine, *, signing_key, now: datetime | None = None
           ) -> list[Panel]:
    """What needs the principal's attention now, one panel per permission they hold."""
    now = now or datetime.now(UTC)
    with engine.connect() as c:
        out = [panel(principal, c, now) for action, panel in PANELS if can(principal, action)]
        if can(principal, "audit.read"):
            out.insert(0, _checkpoint(principal, c, now, key=signing_key))
    return out


def _deadline(tender: dict) -> datetime | None:
    stage = tender["stage"]
    if stage == "market_engagement":
        return tender["engagement_closes"]
    if stage == "invitation_to_tender":
        return tender["bid_deadline"]
    return None


def _expiry(day: date, today: date) -> str:
    if day < today:
        return f"overdue since {long_date(day)}"
    if day == today:
        return "today"
    return "tomorrow" if day == today + timedelta(days=1) else long_date(day)


def _count(n: int, noun: str) -> str:
    return f"{n:,} {noun}" if n == 1 else f"{n:,} {noun}s"


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _roles(roles: str) -> str:
    return ", ".join(ROLES.get(r, r).lower() for r in (roles or "").split())
