"""Signing in with an organisation's own account (OpenID Connect single sign-on).

The user gives their work email; the portal finds the identity provider that vouches for its
domain and shows that organisation's sign-in page, whose button is a plain link to
``start``, which redirects to the provider. A link, not a form: the portal's
Content-Security-Policy allows forms to submit only to the portal itself (``form-action
'self'``), and Chromium applies that to every redirect following a form submission too, so a
form here could never reach the provider. The policy stays strict on every page.

OpenID Connect sign-in does not ask for the portal's own second factor: the organisation's
identity provider enforces its own (see the README).
"""

from __future__ import annotations

import logging
from uuid import UUID

from flask import (
    Blueprint,
    abort,
    redirect,
    render_template,
    request,
    session,
    url_for,
)

from auth import oidc
from auth.refusals import Refused
from auth.tokens import INVITATION, LIFETIMES
from domain.account import EMAIL, normalise_email
from portal.extensions import limiter
from portal.forms import FormResult, load
from portal.identity_provider_schemas import WorkEmailSchema
from portal.links import external_url
from portal.security import current_principal, public, safe_next, services, sign_in_required
from portal.services.single_sign_on import sign_in
from projections.directory_queries import account_by_id
from projections.identity_providers import provider_for_sign_in, providers_for_domain

bp = Blueprint("oidc", __name__)
bp.record_once(lambda state: oidc.init_app(state.app))
log = logging.getLogger(__name__)

AUTHENTICATED_BY = ["oidc"]

# What a refused sign-in tells the user: a heading, what happened, and what to do.
# The session key naming the identity provider a sign-in was started with in this browser.
STARTED = "oidc_started"

REFUSALS: dict[str, tuple[str, str]] = {
    "state": ("This sign-in cannot be finished",
              "It did not start on this device, it has already been used, or it took too long. "
              "Start again to sign in."),
    "provider": ("Your organisation's sign-in did not sign you in",
                 "Your organisation's sign-in page stopped before you were signed in. Start "
                 "again, and if it happens again, contact your organisation's IT service desk."),
    "token": ("We could not confirm who you are",
              "Your organisation's sign-in service sent an answer we could not verify, so you "
              "have not been signed in. Start again, and if it happens again, contact your "
              "organisation's IT service desk."),
    "unreachable": ("Your organisation's sign-in service is not responding",
                    "Try again in a few minutes."),
    "misconfigured": ("Single sign-on for your organisation is not working",
                      "It is not set up correctly on the portal. Tell the portal's "
                      "administrators; until it is fixed you cannot sign in this way."),
    "disabled": ("Single sign-on for your organisation is turned off",
                 "Ask your organisation's administrator how to sign in to the portal."),
    "no_email": ("Your organisation's account did not give us your email address",
                 "Ask your organisation's IT service desk to send a verified email address "
                 "to the portal when you sign in."),
    "domain": ("Your email address cannot be used with this sign-in",
               "Your organisation's sign-in can only be used with its own email addresses. "
               "Sign in with your organisation's email address, or ask your administrator."),
    "other_organisation": ("Your email address belongs to another organisation's account",
                           "Sign in through that organisation's sign-in, or with your email "
                           "address and password."),
    "suspended": ("Your account is suspended",
                  "Ask your organisation's administrator to reinstate it."),
    "invitation_expired": ("Your invitation to the portal has expired",
                           "Ask your organisation's administrator to invite you again, then "
                           "sign in through your organisation within "
                           f"{LIFETIMES[INVITATION].days} days."),
    "retry": ("Your sign-in could not be finished",
              "Your account changed while you were signing in. Start again."),
    "linked_elsewhere": ("Your account is linked to someone else at your organisation",
                         "Your portal account is already linked to a different user of your "
                         "organisation's sign-in. Ask the portal's administrators to check it."),
}


def refused(response) -> bool:
    """Only refusals count towards these limits: a sign-in that goes on is a redirect, and a
    whole council signing in through one proxy address is never slowed by its own success."""
    return not 300 <= response.status_code < 400


@bp.route("/sign-in/organisation", methods=["GET", "POST"])
@public
@limiter.limit("20 per minute; 200 per hour", methods=["POST"], deduct_when=refused)
def find():
    """Which organisation's sign-in to use, found from the domain of the work email."""
    next_url = safe_next(request.values.get("next"))
    form = FormResult()
    if request.method == "POST":
        form = load(WorkEmailSchema(), request.form.to_dict())
        if form.ok:
            email = normalise_email(form.data["email"])
            domain = email.rpartition("@")[2]
            with services().engine.connect() as c:
                found = providers_for_domain(c, domain)
            if len(found) == 1:
                return redirect(url_for("oidc.organisation", identity_provider_id=found[0]["id"],
                                        login_hint=email, next=next_url), code=303)
            if found:
                log.error("email domain has more than one identity provider")
                form.errors["email"] = ("More than one organisation signs in with this email "
                                        "address: ask the portal's administrators to fix it")
            else:
                form.errors["email"] = (f"There is no single sign-on for {domain}: sign in "
                                        "with your email address and password instead")
        form.data = {"email": request.form.get("email", "")[:320]}
    return render_template("oidc/find.html", form=form, next_url=next_url)


def _provider(identity_provider_id: UUID) -> dict:
    with services().engine.connect() as c:
        provider = provider_for_sign_in(c, identity_provider_id)
    if provider is None:
        abort(404)
    return provider


def _hint(raw: str | None) -> str | None:
    hint = normalise_email(raw or "")
    return hint if len(hint) <= 320 and EMAIL.match(hint) else None


@bp.get("/sign-in/organisation/<uuid:identity_provider_id>")
@public
def organisation(identity_provider_id: UUID):
    """An organisation's sign-in page: the address its staff can bookmark."""
    provider = _provider(identity_provider_id)
    if provider["disabled"]:
        return _refused(provider, Refused("disabled"))
    start = url_for("oidc.start", identity_provider_id=identity_provider_id,
                    login_hint=_hint(request.args.get("login_hint")),
                    next=safe_next(request.args.get("next")))
    return render_template("oidc/organisation.html", provider=provider, start=start)


@bp.get("/sign-in/organisation/<uuid:identity_provider_id>/start")
@public
@limiter.limit("30 per minute; 300 per hour", deduct_when=refused)
def start(identity_provider_id: UUID):
    """Send the browser to the identity provider, with state, nonce and a PKCE challenge kept
    in this session for the callback."""
    provider = _provider(identity_provider_id)
    try:
        if provider["disabled"]:
            raise Refused("disabled")
        client = oidc.client_for(provider)
    except Refused as refusal:
        return _refused(provider, refusal)
    session["oidc_next"] = safe_next(request.args.get("next"))
    session[STARTED] = provider["id"].hex
    extra = {}
    hint = _hint(request.args.get("login_hint"))
    if hint:
        extra["login_hint"] = hint
    return client.authorize_redirect(
        external_url("oidc.callback", identity_provider_id=identity_provider_id),
        **extra)


@bp.get("/sign-in/organisation/<uuid:identity_provider_id>/callback")
@public
@limiter.limit("30 per minute; 300 per hour", deduct_when=refused)
def callback(identity_provider_id: UUID):
    """Where the identity provider sends the browser back: check everything, then sign in."""
    provider = _provider(identity_provider_id)
    svc = services()
    next_url = safe_next(session.pop("oidc_next", None))
    started = session.pop(STARTED, None)
    try:
        _check_started_here(provider, started)
        client = oidc.client_for(provider)
        claims = oidc.verified_claims(client, provider)
        signed = sign_in(svc, provider, claims)
    except Refused as refusal:
        return _refused(provider, refusal)
    return _signed_in(signed, next_url)


def _check_started_here(provider: dict, started: str | None) -> None:
    """A callback this browser did not start here (forged, replayed, or for another provider)
    is refused before anything is asked of the identity provider; authlib then checks the
    state value itself. (An error answer may lack the state: some providers leave it off when
    the user declines.)"""
    if provider["disabled"]:
        raise Refused("disabled")
    if started != provider["id"].hex or not (request.args.get("state")
                                             or request.args.get("error")):
        raise Refused("state", "no sign-in started here")


def _signed_in(signed, next_url: str | None):
    svc = services()
    session.clear()
    session.regenerate()  # a new session id at sign-in
    session["account_id"] = signed.account_id.hex
    session["authenticated_by"] = AUTHENTICATED_BY
    svc.projections.wait_for(signed.position)
    log.info("signed in", extra={"user_id": signed.account_id.hex, "method": "oidc",
                                 "account_created": signed.created})
    with svc.engine.connect() as c:
        account = account_by_id(c, signed.account_id)
    if not account["roles"].split():
        return redirect(url_for("oidc.no_roles"))
    return redirect(next_url or url_for("home.index"))


@bp.get("/sign-in/organisation/waiting-for-access")
@sign_in_required
def no_roles():
    """Signed in, but nobody has granted this account a role yet."""
    principal = current_principal()
    return render_template("oidc/no_roles.html", principal=principal,
                           has_roles=bool(principal.roles))


def _refused(provider: dict, refusal: Refused):
    log.warning("single sign-on refused", extra={
        "identity_provider_id": provider["id"].hex, "refusal": refusal.kind,
        "detail": refusal.detail})
    title, advice = REFUSALS[refusal.kind]
    status = 503 if refusal.kind in ("unreachable", "misconfigured") else (
        403 if refusal.kind in ("disabled", "domain", "other_organisation", "suspended",
                                "linked_elsewhere", "no_email", "invitation_expired") else 400)
    again = None if refusal.kind in ("disabled", "suspended", "invitation_expired") else url_for(
        "oidc.organisation", identity_provider_id=provider["id"])
    return render_template("oidc/refused.html", title=title, advice=advice, provider=provider,
                           again=again), status
