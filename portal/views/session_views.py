from __future__ import annotations

import logging

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)

from auth.session_store import ABSOLUTE_TIMEOUT, IDLE_TIMEOUT, active_sessions, revoke_all
from domain.account import normalise_email
from domain.vocabulary import ROLES
from portal.forms import FormResult, load
from portal.schemas import SignInSchema
from portal.security import current_principal, public, safe_next, services, sign_in_required
from portal.sign_in_throttle import client_address, refusal
from portal.views.second_factor import begin_sign_in
from projections.directory_queries import account_by_email

bp = Blueprint("session", __name__)
log = logging.getLogger(__name__)

WRONG = "Enter a correct email address and password"


@bp.route("/sign-in", methods=["GET", "POST"])
@public
def sign_in():
    next_url = safe_next(request.values.get("next"))
    form = FormResult()
    if request.method == "POST":
        form = load(SignInSchema(), request.form.to_dict())
        if form.ok:
            account_id = _check_password(form)
            if account_id is not None:
                # The second factor where the account has or needs one, then signed in with
                # a new session id (portal/views/second_factor.py).
                return begin_sign_in(account_id, "password", next_url)
        form.data = {"email": request.form.get("email", "")}
    return render_template("session/sign_in.html", form=form, next_url=next_url)


def _check_password(form: FormResult):
    """The account id when the email and password are right and the account may sign in;
    otherwise None, with the reason in ``form.errors``. Every refusal for a real account is
    recorded on it as an event, and so is the sign-in once complete (the auditor sees each use
    of an account)."""
    svc = services()
    email = normalise_email(form.data["email"])
    client = client_address()
    lockout = current_app.extensions["lockout"]
    stopped = refusal(email, "password")
    if stopped is not None:
        log.info("sign-in throttled")
        form.errors["email"] = stopped
        return None
    with svc.engine.connect() as c:
        account = account_by_email(c, email)
    usable = account is not None and not account["suspended"]
    if svc.credentials.verify(account["id"] if usable else None, form.data["password"]):
        lockout.succeeded(email, client)
        return account["id"]
    lockout.failed(email, client)
    if account is not None:
        svc.portal.record_failed_sign_in(
            account["id"], reason="Account suspended" if account["suspended"]
            else "Wrong password")
    log.info("sign-in refused")
    form.errors["email"] = WRONG
    return None


@bp.post("/sign-out")
@public
def sign_out():
    session.clear()  # the server forgets the session: its cookie no longer works
    flash("You have signed out")
    return redirect(url_for("home.index"))


@bp.post("/sign-out-everywhere")
@sign_in_required
def sign_out_everywhere():
    """End every session of this account, on every device."""
    ended = revoke_all(services().engine, current_principal().user_id)
    session.clear()
    log.info("signed out everywhere", extra={"sessions": ended})
    flash("You have signed out on every device")
    return redirect(url_for("home.index"))


@bp.get("/account")
@sign_in_required
def account():
    principal = current_principal()
    sessions = active_sessions(services().engine, principal.user_id)
    role_labels = [ROLES.get(role, role) for role in sorted(principal.roles)]
    second_factors = services().second_factors
    enrolled = second_factors.is_enrolled(principal.user_id)
    return render_template("session/account.html", principal=principal, sessions=sessions,
                           role_labels=role_labels, second_factor=enrolled,
                           recovery_codes_left=(second_factors.recovery_codes_left(
                               principal.user_id) if enrolled else 0),
                           idle_minutes=int(IDLE_TIMEOUT.total_seconds() // 60),
                           absolute_hours=int(ABSOLUTE_TIMEOUT.total_seconds() // 3600))
