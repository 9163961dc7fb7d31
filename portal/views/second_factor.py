"""Signing in with a password and a second factor (TOTP, or a recovery code), and setting one up.

After a right password the session is only half signed in: it holds the account it is for
(``pending_sign_in``) but no principal, so no page that needs a signed-in user can be reached,
and every page other than the second-factor ones sends it back to the step it is at. Accounts
whose roles require a second factor (``domain.vocabulary.SECOND_FACTOR_REQUIRED``) and have
none must set one up before anything else. A signed-in session whose roles come to require one
(a role granted meanwhile) is sent to the same step. Sessions signed in through an organisation's
identity provider are left alone: that provider enforces its own second factor.

Wrong codes count towards the sign-in lockout (auth/lockout.py), like wrong passwords.
"""

from __future__ import annotations

import functools
import logging
from datetime import UTC, datetime, timedelta
from uuid import UUID

import segno
from flask import (
    Blueprint,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from markupsafe import Markup

from auth.second_factor import new_secret, provisioning_uri
from domain.errors import DomainError
from domain.vocabulary import SECOND_FACTOR_REQUIRED
from portal.account_schemas import CodeSchema, RecoveryCodeSchema, ResetSecondFactorSchema
from portal.extensions import limiter
from portal.forms import FormResult, load
from portal.security import current_principal, requires, services, sign_in_required
from portal.services.second_factor import (
    account_to_reset,
    enrol_authenticator,
    regenerate_recovery_codes,
    reset_second_factor,
    use_recovery_code,
)
from portal.sign_in_throttle import client_address, refusal
from projections.directory_queries import account_by_id

bp = Blueprint("second_factor", __name__)
log = logging.getLogger(__name__)

PENDING = "pending_sign_in"
# The session key holding the sealed (encrypted) secret while it is being set up.
ENROLMENT_SECRET = "second_factor_enrolment"  # noqa: S105 (a key name)
PENDING_FOR = timedelta(minutes=10)

STAGES = {"verify": "second_factor.verify", "enrol": "second_factor.enrol"}
# What a half-signed-in session may reach besides the step it is at: the other ways in (a
# person without their phone may sign in through their organisation instead, or reset their
# password), none of which gives anything without signing in again.
OPEN_WHILE_PENDING = {"static", "session.sign_in", "session.sign_out",
                      "second_factor.verify", "second_factor.recover", "second_factor.enrol",
                      "oidc.find", "oidc.organisation", "oidc.start", "oidc.callback",
                      "password_reset.request_link", "password_reset.choose"}
WRONG_CODE = "The code is not right, or has already been used: enter the code your app shows now"
FEW_CODES_LEFT = 3


# --- the sign-in steps ------------------------------------------------------------------------

def begin_sign_in(account_id: UUID, method: str, next_url: str | None):
    """After a right password: ask for the second factor, have one set up, or sign in."""
    svc = services()
    with svc.engine.connect() as c:
        account = account_by_id(c, account_id)
    enrolled = svc.second_factors.is_enrolled(account_id)
    if not enrolled and SECOND_FACTOR_REQUIRED.isdisjoint(account["roles"].split()):
        return complete_sign_in(account_id, [method], next_url)
    stage = "verify" if enrolled else "enrol"
    _pend(account_id, account["email"], stage, method, next_url)
    return redirect(url_for(STAGES[stage]))


def _pend(account_id: UUID, email: str, stage: str, method: str,
          next_url: str | None) -> None:
    session.clear()
    session.regenerate()  # a new session id once the password is proven
    session[PENDING] = {"account_id": account_id.hex, "email": email, "stage": stage,
                        "method": method, "next": next_url,
                        "since": datetime.now(UTC).isoformat()}


def _establish(account_id: UUID, factors: list[str]) -> int:
    """Sign the session in: activate an invited account, record the sign-in."""
    svc = services()
    account = svc.portal.get_account(account_id)
    if account.status == "invited":
        svc.portal.activate_account(account_id)
    position = svc.portal.record_sign_in(account_id, method="+".join(factors))
    session.clear()
    session.regenerate()
    session["account_id"] = account_id.hex
    session["authenticated_by"] = factors
    log.info("signed in", extra={"user_id": account_id.hex, "method": "+".join(factors)})
    return position


def complete_sign_in(account_id: UUID, factors: list[str], next_url: str | None):
    position = _establish(account_id, factors)
    services().projections.wait_for(position)
    return redirect(next_url or url_for("home.index"))


def _pending() -> dict | None:
    pending = session.get(PENDING)
    if not isinstance(pending, dict):
        return None
    try:
        since = datetime.fromisoformat(pending["since"])
    except (KeyError, TypeError, ValueError):
        return None
    if datetime.now(UTC) - since > PENDING_FOR:
        return None
    return pending


@bp.before_app_request
def hold_half_signed_in_sessions():
    """A half-signed-in session reaches only its second-factor step."""
    if request.endpoint in OPEN_WHILE_PENDING:
        return None
    if PENDING in session:
        pending = _pending()
        if pending is None:
            session.clear()
            flash("Your sign-in took too long: sign in again")
            return redirect(url_for("session.sign_in"))
        return redirect(url_for(STAGES[pending["stage"]]))
    principal = g.get("principal")
    if principal is None or SECOND_FACTOR_REQUIRED.isdisjoint(principal.roles):
        return None
    factors = session.get("authenticated_by") or []
    if "password" not in factors or {"totp", "recovery_code"} & set(factors):
        return None
    # Signed in with a password alone, and the roles now require a second factor.
    enrolled = services().second_factors.is_enrolled(principal.user_id)
    stage = "verify" if enrolled else "enrol"
    _pend(principal.user_id, principal.email, stage, "password", request.full_path.rstrip("?")
          if request.method == "GET" else None)
    g.principal = None
    return redirect(url_for(STAGES[stage]))


def pending_step(stage: str):
    """Only for a session half signed in at ``stage``."""

    def decorate(view):
        @functools.wraps(view)
        def wrapped(*args, **kwargs):
            pending = _pending()
            if pending is None or pending["stage"] != stage:
                return redirect(url_for("home.index" if current_principal() is not None
                                        else "session.sign_in"))
            g.pending = pending
            return view(*args, **kwargs)

        wrapped.__permission__ = "half_signed_in"  # type: ignore[attr-defined]
        return wrapped

    return decorate


def _locked_out(email: str) -> str | None:
    return refusal(email, "second factor")


def _wrong(pending: dict, reason: str) -> None:
    current_app.extensions["lockout"].failed(pending["email"], client_address())
    services().portal.record_failed_sign_in(UUID(pending["account_id"]), reason=reason)
    log.info("second factor refused")


@bp.route("/sign-in/code", methods=["GET", "POST"])
@pending_step("verify")
def verify():
    pending = g.pending
    form = FormResult()
    if request.method == "POST":
        form = load(CodeSchema(), request.form.to_dict())
        locked = _locked_out(pending["email"])
        if locked:
            form.errors = {"code": locked}
        elif form.ok:
            account_id = UUID(pending["account_id"])
            if services().second_factors.verify(account_id, form.data["code"]):
                current_app.extensions["lockout"].succeeded(
                    pending["email"], client_address())
                return complete_sign_in(account_id, [pending["method"], "totp"],
                                        pending["next"])
            _wrong(pending, "Wrong second-factor code")
            form.errors["code"] = WRONG_CODE
    return render_template("second_factor/verify.html", form=form)


@bp.route("/sign-in/recovery-code", methods=["GET", "POST"])
@pending_step("verify")
def recover():
    pending = g.pending
    form = FormResult()
    if request.method == "POST":
        form = load(RecoveryCodeSchema(), request.form.to_dict())
        locked = _locked_out(pending["email"])
        if locked:
            form.errors = {"recovery_code": locked}
        elif form.ok:
            left = use_recovery_code(services(), UUID(pending["account_id"]),
                                     form.data["recovery_code"])
            if left is not None:
                return _recovered(pending, left)
            _wrong(pending, "Wrong or used recovery code")
            form.errors["recovery_code"] = ("This is not one of your recovery codes, or it has "
                                            "already been used")
    return render_template("second_factor/recover.html", form=form)


def _recovered(pending: dict, left: int):
    current_app.extensions["lockout"].succeeded(pending["email"],
                                                client_address())
    response = complete_sign_in(UUID(pending["account_id"]),
                                [pending["method"], "recovery_code"], pending["next"])
    flash(f"You signed in with a recovery code. You have {left} left."
          + (" Get new ones from your account page." if left < FEW_CODES_LEFT else ""))
    return response


# --- setting up an authenticator app ------------------------------------------------------------

def _enrolling() -> tuple[UUID, str, dict | None] | None:
    """Whose authenticator is being set up: a session half signed in at "enrol", or a signed-in
    user without one (council officers may choose to)."""
    pending = _pending()
    if pending is not None and pending["stage"] == "enrol":
        return UUID(pending["account_id"]), pending["email"], pending
    principal = current_principal()
    if principal is not None and PENDING not in session:
        return principal.user_id, principal.email, None
    return None


def enrolment_view(view):
    @functools.wraps(view)
    def wrapped(*args, **kwargs):
        who = _enrolling()
        if who is None:
            return redirect(url_for("session.sign_in", next=request.path))
        g.enrolling = who
        return view(*args, **kwargs)

    wrapped.__permission__ = "half_signed_in"  # type: ignore[attr-defined]
    return wrapped


def qr_code(uri: str) -> Markup:
    """The otpauth address as an inline SVG QR code (no script, no image request)."""
    svg = segno.make(uri, error="m").svg_inline(scale=4, border=4, dark="#0b0c0c",
                                                light="#ffffff", omitsize=False)
    return Markup(svg)  # noqa: S704 (segno's own SVG markup, nothing a user typed)


@bp.route("/set-up-authenticator", methods=["GET", "POST"])
@enrolment_view
@limiter.limit("10 per minute; 100 per hour", methods=["POST"])
def enrol():
    account_id, email, pending = g.enrolling
    svc = services()
    if svc.second_factors.is_enrolled(account_id):
        return _already_enrolled(account_id, email, pending)
    secret = _enrolment_secret()
    form = FormResult()
    if request.method == "POST":
        form = load(CodeSchema(), request.form.to_dict())
        if form.ok:
            codes = enrol_authenticator(svc, account_id, secret, form.data["code"])
            if codes is not None:
                return _enrolled(account_id, pending, codes)
            form.errors["code"] = ("The code does not match: check the app shows the Sufficiency "
                                   "Portal entry you just added, then enter the code it shows now")
    return render_template("second_factor/enrol.html", form=form, required=pending is not None,
                           qr=qr_code(provisioning_uri(secret, email)),
                           secret=" ".join(secret[i:i + 4] for i in range(0, len(secret), 4)))


def _already_enrolled(account_id: UUID, email: str, pending: dict | None):
    if pending is not None:  # set up meanwhile (another tab): ask for a code instead
        _pend(account_id, email, "verify", pending["method"], pending["next"])
        return redirect(url_for("second_factor.verify"))
    flash("Your authenticator app is already set up")
    return redirect(url_for("session.account"))


def _enrolment_secret() -> str:
    """The secret being set up, kept sealed in the session until a code proves it."""
    svc = services()
    secret = svc.second_factors.unseal(session.get(ENROLMENT_SECRET))
    if secret is None:
        secret = new_secret()
        session[ENROLMENT_SECRET] = svc.second_factors.seal(secret)
    return secret


def _enrolled(account_id: UUID, pending: dict | None, codes: list[str]):
    """Set up: a half-signed-in session is signed in; the recovery codes are shown once."""
    svc = services()
    session.pop(ENROLMENT_SECRET, None)
    if pending is not None:
        position = _establish(account_id, [pending["method"], "totp"])
        next_url = pending["next"] or url_for("home.index")
    else:
        factors = list(session.get("authenticated_by") or ["password"])
        session["authenticated_by"] = [*factors, "totp"]
        position = svc.portal.last_position()
        next_url = url_for("session.account")
    svc.projections.wait_for(position)
    return render_template("second_factor/recovery_codes.html", codes=codes,
                           next_url=next_url, first_time=True)


@bp.post("/account/recovery-codes")
@sign_in_required
def regenerate():
    """Ten new recovery codes, shown once; the old ones stop working."""
    svc = services()
    principal = current_principal()
    if not svc.second_factors.is_enrolled(principal.user_id):
        flash("Set up an authenticator app first")
        return redirect(url_for("session.account"))
    codes, position = regenerate_recovery_codes(svc, principal.user_id)
    svc.projections.wait_for(position)
    return render_template("second_factor/recovery_codes.html", codes=codes,
                           next_url=url_for("session.account"), first_time=False)


# --- an administrator resets someone's second factor --------------------------------------------

@bp.route("/users/<uuid:account_id>/reset-second-factor", methods=["GET", "POST"])
@requires("accounts.manage")
def reset(account_id: UUID):
    """For a lost phone: the person sets up a new authenticator at their next sign-in. Every
    session of theirs ends."""
    svc = services()
    account = account_to_reset(svc, current_principal(), account_id)
    enrolled = svc.second_factors.is_enrolled(account_id)
    form = FormResult()
    if request.method == "POST":
        if not enrolled:  # reset meanwhile: nothing left to do
            return redirect(url_for("second_factor.reset", account_id=account_id))
        form = load(ResetSecondFactorSchema(), request.form.to_dict())
        if form.ok:
            try:
                position = reset_second_factor(svc, current_principal().actor, account_id,
                                               reason=form.data["reason"])
            except DomainError as error:
                form.errors["reason"] = error.message
            else:
                return _reset_done(account, position)
        form.data = request.form.to_dict()
    return render_template("second_factor/reset.html", account=account, form=form,
                           enrolled=enrolled, required=not SECOND_FACTOR_REQUIRED.isdisjoint(
                               account["roles"].split()))


def _reset_done(account, position: int):
    services().projections.wait_for(position)
    flash(f"The second factor of {account['email']} has been reset. They set up a new one when "
          "they next sign in.")
    return redirect(url_for("second_factor.reset", account_id=account["id"]))
