from __future__ import annotations

import logging

from flask import Blueprint, flash, redirect, render_template, request, session, url_for

from domain.account import normalise_email
from portal.extensions import limiter
from portal.forms import FormResult, load
from portal.schemas import SignInSchema
from portal.security import public, safe_next, services
from projections.directory_queries import account_by_email

bp = Blueprint("session", __name__)
log = logging.getLogger(__name__)

WRONG = "Enter a correct email address and password"


@bp.route("/sign-in", methods=["GET", "POST"])
@public
@limiter.limit("10 per minute; 100 per hour", methods=["POST"])
def sign_in():
    next_url = safe_next(request.values.get("next"))
    form = FormResult()
    if request.method == "POST":
        form = load(SignInSchema(), request.form.to_dict())
        if form.ok:
            svc = services()
            email = normalise_email(form.data["email"])
            with svc.engine.connect() as c:
                account = account_by_email(c, email)
            usable = account is not None and not account["suspended"]
            verified = svc.credentials.verify(account["id"] if usable else None,
                                              form.data["password"])
            if verified:
                session.clear()  # a fresh session at sign-in
                session["account_id"] = account["id"].hex
                session.permanent = True
                log.info("signed in", extra={"user_id": account["id"].hex})
                return redirect(next_url or url_for("home.index"))
            log.info("sign-in refused")
            form.errors["email"] = WRONG
        form.data = {"email": request.form.get("email", "")}
    return render_template("session/sign_in.html", form=form, next_url=next_url)


@bp.post("/sign-out")
@public
def sign_out():
    session.clear()
    flash("You have signed out")
    return redirect(url_for("home.index"))
