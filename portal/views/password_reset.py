"""Resetting a forgotten password by an e-mailed, single-use link that works for an hour.

Asking gets the same reply whether or not the address has an account (nobody learns who has
one), and is throttled per client address. Setting the new password ends every session of
the account, clears its sign-in lockout and records a PasswordReset event (never the hash).
The second factor is unchanged: signing in afterwards still asks for a code.
"""

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

from auth.credentials import check_password_rules
from auth.sessions import revoke_all
from auth.tokens import PASSWORD_RESET, LinkRefused
from domain.account import normalise_email
from domain.errors import DomainError
from portal.account_schemas import NewPasswordSchema, PasswordResetRequestSchema
from portal.extensions import limiter
from portal.forms import FormResult, load
from portal.links import external_url
from portal.security import public, services
from projections.directory_queries import account_by_email, account_by_id

bp = Blueprint("password_reset", __name__, url_prefix="/password-reset")
log = logging.getLogger(__name__)

REFUSALS = {
    "used": ("This password reset link has already been used",
             "Each link works once. If you did not set a new password with it, ask for a new "
             "link."),
    "expired": ("This password reset link has expired",
                "Links work for an hour. Ask for a new link."),
    "unknown": ("This password reset link is not valid",
                "Check you copied the whole link from the email, or ask for a new link. Only "
                "the latest link sent to you works."),
}


@bp.route("/", methods=["GET", "POST"])
@public
@limiter.limit("5 per minute; 20 per hour", methods=["POST"])
def request_link():
    form = FormResult()
    if request.method == "POST":
        form = load(PasswordResetRequestSchema(), request.form.to_dict())
        if form.ok:
            _send_link(normalise_email(form.data["email"]))
            return render_template("password_reset/sent.html")
        form.data = {"email": request.form.get("email", "")}
    return render_template("password_reset/request.html", form=form)


def _send_link(email: str) -> None:
    """A link for an active account that signs in with a password; nothing otherwise. Either
    way the caller shows the same page."""
    svc = services()
    with svc.engine.connect() as c:
        account = account_by_email(c, email)
    if account is None or account["suspended"] or account["status"] != "active" \
            or not svc.credentials.has_password(account["id"]):
        log.info("password reset asked for no usable account")
        return
    link = svc.tokens.issue(PASSWORD_RESET, account["id"])
    url = external_url("password_reset.choose", token=link.token)
    svc.mailer.send(email, "Reset your Sufficiency Portal password",
                    render_template("password_reset/email.txt", name=account["display_name"],
                                    url=url), "password_reset")
    log.info("password reset link sent", extra={"user_id": account["id"].hex})


def _refused(reason: str):
    heading, advice = REFUSALS[reason]
    return render_template("password_reset/refused.html", heading=heading, advice=advice), (
        404 if reason == "unknown" else 410)


@bp.route("/<token>", methods=["GET", "POST"])
@public
@limiter.limit("10 per minute; 100 per hour", methods=["POST"])
def choose(token: str):
    svc = services()
    try:
        account_id = svc.tokens.check(PASSWORD_RESET, token)
    except LinkRefused as refusal:
        log.info("password reset link refused", extra={"refusal": refusal.reason})
        return _refused(refusal.reason)
    with svc.engine.connect() as c:
        account = account_by_id(c, account_id)
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
                svc.tokens.spend(PASSWORD_RESET, token)
                position = svc.portal.record_password_reset(account_id)
            except LinkRefused as refusal:
                return _refused(refusal.reason)
            except DomainError as error:  # suspended since the link was sent
                form.errors["password"] = error.message
            else:
                svc.credentials.set_password(account_id, form.data["password"])
                ended = revoke_all(svc.engine, account_id)
                current_app.extensions["lockout"].clear(account["email"])
                svc.projections.wait_for(position)
                log.info("password reset", extra={"user_id": account_id.hex,
                                                  "sessions": ended})
                session.clear()
                flash("Your password has been changed and every session of your account has "
                      "ended. Sign in with your new password.")
                return redirect(url_for("session.sign_in"))
        form.data = {}
    return render_template("password_reset/choose.html", form=form, token=token,
                           email=account["email"])
