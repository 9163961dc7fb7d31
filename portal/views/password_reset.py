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

from auth.tokens import PASSWORD_RESET, LinkRefused
from domain.account import normalise_email
from domain.errors import DomainError
from portal.account_schemas import NewPasswordSchema, PasswordResetRequestSchema
from portal.extensions import limiter
from portal.forms import FormResult, load
from portal.links import external_url
from portal.security import public, services
from portal.services.single_use_links import (
    open_link,
    reset_password,
    send_password_reset_link,
)

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
            send_password_reset_link(
                services(), normalise_email(form.data["email"]),
                url_for_token=lambda token: external_url("password_reset.choose", token=token),
                compose=lambda name, url: render_template("password_reset/email.txt",
                                                          name=name, url=url))
            return render_template("password_reset/sent.html")
        form.data = {"email": request.form.get("email", "")}
    return render_template("password_reset/request.html", form=form)


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
        link = open_link(svc, PASSWORD_RESET, token)
    except LinkRefused as refusal:
        return _refused(refusal.reason)
    form = FormResult()
    if request.method == "POST":
        form = load(NewPasswordSchema(), request.form.to_dict())
        if form.ok:
            try:
                position = reset_password(svc, link, form.data["password"],
                                          lockout=current_app.extensions["lockout"])
            except LinkRefused as refusal:
                return _refused(refusal.reason)
            except DomainError as error:  # a rule broken, or suspended since the link was sent
                form.errors["password"] = error.message
            else:
                return _signed_out_everywhere(position)
        form.data = {}
    return render_template("password_reset/choose.html", form=form, token=token,
                           email=link.account["email"])


def _signed_out_everywhere(position: int):
    services().projections.wait_for(position)
    session.clear()
    flash("Your password has been changed and every session of your account has ended. Sign "
          "in with your new password.")
    return redirect(url_for("session.sign_in"))
