"""Inviting people by a single-use, expiring link, and accepting an invitation.

A platform administrator invites to any organisation; an organisation's administrator only to
their own, and never to a region-wide role (auditor, platform administrator). The link is sent
by e-mail and shown once to the inviter, who may pass it on another way. Accepting sets a
password (NCSC rules) and, where the roles require one, an authenticator app; the account is
then activated and signed in. A used, expired or altered link gets a page that says so and
changes nothing.
"""

from __future__ import annotations

import logging

import sqlalchemy as sa
from flask import Blueprint, abort, g, render_template, request

from auth.credentials import check_password_rules
from auth.tokens import INVITATION, LinkRefused
from domain.account import normalise_email
from domain.errors import DomainError, NotFound
from domain.permissions import REGION, scope_for
from domain.timezone import LONDON
from domain.vocabulary import ROLE_ORGANISATION_KINDS, ROLES, SECOND_FACTOR_REQUIRED
from portal.account_schemas import InvitationSchema, NewPasswordSchema
from portal.extensions import limiter
from portal.forms import FormResult, load
from portal.links import external_url
from portal.security import public, requires, services
from portal.views.second_factor import begin_sign_in
from projections.directory import organisations
from projections.directory_queries import account_by_id

bp = Blueprint("invitations", __name__)
log = logging.getLogger(__name__)

# Roles reaching the whole region: only a platform administrator invites to them.

REGION_WIDE_ROLES = frozenset({"platform_admin", "auditor"})
KIND_LABELS = {"authority": "Council", "provider": "Provider", "platform": "Platform"}
REFUSALS = {
    "used": ("This invitation link has already been used",
             "Each invitation link works once. If you set your password with it, sign in. "
             "Otherwise ask the person who invited you to send a new invitation."),
    "expired": ("This invitation link has expired",
                "Invitation links work for 7 days. Ask the person who invited you to send a "
                "new invitation."),
    "unknown": ("This invitation link is not valid",
                "Check you copied the whole link from the email. If it still does not work, "
                "ask the person who invited you to send a new invitation."),
    "account": ("This invitation can no longer be accepted",
                "The account has been suspended. Ask your organisation's administrator."),
}


def _choices(principal, connection) -> list:
    """The organisations the principal may invite to: every one, or only their own."""
    query = sa.select(organisations.c.id, organisations.c.name, organisations.c.kind)
    if scope_for(principal, "accounts.manage") != REGION:
        query = query.where(organisations.c.id == principal.organisation_id)
    return list(connection.execute(query.order_by(organisations.c.kind, organisations.c.name))
                .mappings().all())


def _roles_for(principal, kinds: set[str]) -> dict[str, str]:
    """Roles the principal may offer for organisations of these kinds."""
    region_wide = scope_for(principal, "accounts.manage") == REGION
    return {role: label for role, label in ROLES.items()
            if ROLE_ORGANISATION_KINDS[role] & kinds
            and (region_wide or role not in REGION_WIDE_ROLES)}


@bp.route("/users/invite", methods=["GET", "POST"])
@requires("accounts.manage")
def new():
    principal = g.principal
    svc = services()
    with svc.engine.connect() as c:
        choices = _choices(principal, c)
    region_wide = scope_for(principal, "accounts.manage") == REGION
    form = FormResult()
    if request.method == "POST":
        raw = request.form.to_dict()
        raw["roles"] = request.form.getlist("roles")
        if not region_wide:
            raw["organisation_id"] = str(principal.organisation_id)
        form = load(InvitationSchema(), raw)
        if form.ok:
            sent = _invite(principal, form, choices)
            if sent is not None:
                return sent
        form.data = {**raw, "roles": request.form.getlist("roles")}
    return render_template(
        "invitations/new.html", form=form, choices=choices, region_wide=region_wide,
        roles=_roles_for(principal, {o["kind"] for o in choices}),
        kind_labels=KIND_LABELS, role_hints={
            role: ", ".join(sorted(KIND_LABELS[kind].lower() for kind in kinds))
            for role, kinds in ROLE_ORGANISATION_KINDS.items()})


def _invite(principal, form: FormResult, choices: list):
    """Record the invitation, issue its link, send it; the page that shows the link once.
    None with ``form.errors`` set when refused (nothing is stored then)."""
    svc = services()
    data = form.data
    organisation = next((o for o in choices if o["id"] == data["organisation_id"]), None)
    if data["organisation_id"] is None:
        form.errors["organisation_id"] = "Choose the organisation"
        return None
    if organisation is None:
        form.errors["organisation_id"] = "Choose the organisation from the list"
        return None
    offered = _roles_for(principal, {organisation["kind"]})
    refused = [role for role in data["roles"] if role not in offered]
    if refused:
        form.errors["roles"] = (
            f"You cannot invite someone as {ROLES[refused[0]].lower()} to "
            f"{organisation['name']}")
        return None
    expires_at = svc.tokens.expiry(INVITATION)
    try:
        account_id, position = svc.portal.invite_account(
            principal.actor, email=data["email"], display_name=data["display_name"],
            organisation_id=organisation["id"], roles=data["roles"], expires_at=expires_at,
            reason=data.get("reason"))
    except DomainError as error:
        form.errors[error.field if error.field in ("email", "display_name", "roles")
                    else "roles" if error.field == "role" else "email"] = error.message
        return None
    link = svc.tokens.issue(INVITATION, account_id, expires_at)
    url = external_url("invitations.accept", token=link.token)
    email = normalise_email(data["email"])
    svc.mailer.send(email, f"You are invited to the Sufficiency Portal for {organisation['name']}",
                    render_template("invitations/email.txt", name=data["display_name"].strip(),
                                    organisation=organisation["name"], inviter=principal,
                                    url=url, expires_at=link.expires_at.astimezone(LONDON)),
                    "invitation")
    svc.projections.wait_for(position)
    log.info("invitation sent", extra={"user_id": account_id.hex})
    return render_template("invitations/sent.html", email=email, url=url,
                           organisation=organisation,
                           expires_at=link.expires_at.astimezone(LONDON),
                           account_id=account_id)


def _refused(reason: str):
    heading, advice = REFUSALS[reason]
    status = 404 if reason == "unknown" else 410
    return render_template("invitations/refused.html", heading=heading, advice=advice), status


@bp.route("/invitations/<token>", methods=["GET", "POST"])
@public
@limiter.limit("10 per minute; 100 per hour", methods=["POST"])
def accept(token: str):
    svc = services()
    try:
        account_id = svc.tokens.check(INVITATION, token)
    except LinkRefused as refusal:
        log.info("invitation link refused", extra={"refusal": refusal.reason})
        return _refused(refusal.reason)
    with svc.engine.connect() as c:
        account = account_by_id(c, account_id)
        if account is None:
            abort(404)
        organisation = _organisation_name(c, account["organisation_id"])
    if account["suspended"]:
        return _refused("account")
    form = FormResult()
    if request.method == "POST":
        form = load(NewPasswordSchema(), request.form.to_dict())
        if form.ok:
            try:
                check_password_rules(form.data["password"], email=account["email"])
            except DomainError as error:
                form.errors["password"] = error.message
        if form.ok:
            try:
                svc.tokens.spend(INVITATION, token)
            except LinkRefused as refusal:
                return _refused(refusal.reason)
            svc.credentials.set_password(account_id, form.data["password"])
            log.info("invitation accepted", extra={"user_id": account_id.hex})
            return begin_sign_in(account_id, "password", None)
        form.data = {}
    return render_template(
        "invitations/accept.html", form=form, account=account, token=token,
        organisation=organisation,
        needs_second_factor=not SECOND_FACTOR_REQUIRED.isdisjoint(account["roles"].split()))


def _organisation_name(connection, organisation_id) -> str:
    name = connection.execute(sa.select(organisations.c.name)
                              .where(organisations.c.id == organisation_id)).scalar()
    if name is None:
        raise NotFound("There is no such organisation")
    return name
