"""An organisation's people: its administrator lists its accounts, reads each one's access
history, grants and takes away roles, suspends and reinstates, always with a reason.

An organisation's administrator sees and changes only their own organisation's accounts (any
other account answers 404, exactly like a missing one); a platform administrator sees every
organisation's. The rules (no platform roles from an organisation's administrator, nobody
suspends themselves or takes away their own last administrator role) live in the commands;
these views parse, call one command, end the sessions of a suspended account, and render.
"""

from __future__ import annotations

import logging
from uuid import UUID

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for

from auth.sessions import revoke_all
from domain.errors import DomainError, NotFound
from domain.permissions import PLATFORM_ROLES, REGION, scope_for
from domain.vocabulary import ROLE_ORGANISATION_KINDS, ROLES
from portal.forms import FormResult, load
from portal.security import requires, services
from portal.user_schemas import (
    AccessReasonSchema,
    HistoryPageSchema,
    RoleChangeSchema,
    UsersFilterSchema,
)
from projections.account_queries import (
    access_history,
    accounts_page,
    managed_account,
    organisations_to_choose,
)

bp = Blueprint("users", __name__, url_prefix="/users")
log = logging.getLogger(__name__)

STATUS_LABELS = {"invited": "Invited", "active": "Active", "suspended": "Suspended"}


@bp.context_processor
def _vocabulary() -> dict:
    return {"ROLES": ROLES, "STATUS_LABELS": STATUS_LABELS}


@bp.get("/")
@requires("accounts.manage")
def index():
    raw = request.args.to_dict()
    form = load(UsersFilterSchema(), raw)
    if not form.ok:  # show what was asked, with errors; list with the filters that were valid
        retry = load(UsersFilterSchema(), {k: v for k, v in raw.items() if k not in form.errors})
        form = FormResult(data=retry.data, errors=form.errors)
    region_wide = scope_for(g.principal, "accounts.manage") == REGION
    # Only a region-wide list has an organisation field for an error to point at.
    form.anchors = {"page": "results-heading",
                    **({} if region_wide else {"organisation": "results-heading"})}
    organisation = form.data.get("organisation")
    with services().engine.connect() as c:
        choices = organisations_to_choose(g.principal, c)
        if organisation is not None and organisation not in {o["id"] for o in choices}:
            form.errors["organisation"] = "Choose an organisation from the list"
            organisation = None
        page = accounts_page(g.principal, c, organisation, form.data.get("page") or 1)
    form.data = {**raw, "organisation": str(organisation) if organisation else ""}
    return render_template("users/index.html", page=page, form=form, organisations=choices,
                           region_wide=region_wide)


def _role_choices(account) -> tuple[list[str], list[str]]:
    """Roles the viewer may grant to and take away from ``account``."""
    region_wide = scope_for(g.principal, "accounts.manage") == REGION
    held = set(account["roles"].split())
    allowed = [role for role in ROLES
               if account["organisation_kind"] in ROLE_ORGANISATION_KINDS.get(role, ())
               and (region_wide or role not in PLATFORM_ROLES)]
    return ([r for r in allowed if r not in held],
            [r for r in ROLES if r in held and (region_wide or r not in PLATFORM_ROLES)])


def _account_page(account_id: UUID, form: FormResult | None = None,
                  failed_action: str | None = None, status: int = 200):
    args = load(HistoryPageSchema(), request.args.to_dict())
    with services().engine.connect() as c:
        account = managed_account(g.principal, c, account_id)
        history = access_history(g.principal, c, account_id,
                                 page=(args.data.get("page") or 1) if args.ok else 1)
    grantable, revocable = _role_choices(account)
    is_self = account["id"] == g.principal.user_id
    shown = {"grant-role": bool(grantable), "revoke-role": bool(revocable),
             "suspend": not account["suspended"] and not is_self,
             "reinstate": bool(account["suspended"])}
    form = form or FormResult()
    if failed_action and not shown[failed_action]:
        # That form is not on the page (reinstating an account that is not suspended, say):
        # the errors point at the account's details, which say why.
        form.anchors = {name: "account-details" for name in form.errors}
    return render_template(
        "users/account.html", account=account, history=history, form=form,
        failed_action=failed_action, grantable=grantable, revocable=revocable,
        role_labels=[ROLES.get(role, role) for role in account["roles"].split()],
        is_self=is_self), status


@bp.get("/<uuid:account_id>")
@requires("accounts.manage")
def account(account_id: UUID):
    return _account_page(account_id)


# action in the address: (schema, command, message on success)
_ACTIONS = {
    "grant-role": (RoleChangeSchema, "grant_role", "Role granted"),
    "revoke-role": (RoleChangeSchema, "revoke_role", "Role taken away"),
    "suspend": (AccessReasonSchema, "suspend_account",
                "Account suspended and signed out on every device"),
    "reinstate": (AccessReasonSchema, "reinstate_account", "Account reinstated"),
}


@bp.post("/<uuid:account_id>/<any('grant-role', 'revoke-role', suspend, reinstate):action>")
@requires("accounts.manage")
def change(account_id: UUID, action: str):
    svc = services()
    with svc.engine.connect() as c:
        managed_account(g.principal, c, account_id)  # another organisation's: 404
    schema, command, message = _ACTIONS[action]
    form = load(schema(), request.form.to_dict())
    form.anchors = {"role": f"{action}-role", "reason": f"{action}-reason"}
    if form.ok:
        try:
            position = getattr(svc.portal, command)(g.principal.actor, account_id, **form.data)
        except NotFound:
            abort(404)
        except DomainError as error:
            form.errors[error.field or "reason"] = error.message
        else:
            if action == "suspend":
                ended = revoke_all(svc.engine, account_id)
                log.info("account suspended", extra={"account_id": account_id.hex,
                                                     "sessions_ended": ended})
            svc.projections.wait_for(position)
            flash(message)
            return redirect(url_for("users.account", account_id=account_id))
    form.data = request.form.to_dict()
    return _account_page(account_id, form, action, 422)
