"""Help pages for signed-in users: the permission table as documentation.

The page is drawn from ``domain/permissions.py`` itself, the same table every view, command and
query reads, so what it says is what the portal does.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import Blueprint, render_template

from domain.permissions import (
    ACTION_DESCRIPTIONS,
    CONDITIONS,
    PERMISSIONS,
    SCOPE_DESCRIPTIONS,
    SCOPES,
)
from domain.vocabulary import ROLES
from portal.security import current_principal, sign_in_required

bp = Blueprint("help", __name__, url_prefix="/help")


@dataclass(frozen=True)
class PermissionRow:
    action: str
    description: str
    cells: list[str]  # one per role, in the order of ROLES: the scope in words, or ""
    yours: bool  # one of the viewer's roles grants it


def permission_rows(roles: list[str], own_roles: frozenset[str]) -> list[PermissionRow]:
    """One row per action, in the table's order, with the scope each role has."""
    rows = []
    for action, grants in PERMISSIONS.items():
        cells = []
        for role in roles:
            scope = grants.get(role)
            text = SCOPES[scope] if scope else ""
            condition = CONDITIONS.get((action, role))
            cells.append(f"{text} ({condition})" if scope and condition else text)
        rows.append(PermissionRow(action, ACTION_DESCRIPTIONS[action], cells,
                                  yours=not own_roles.isdisjoint(grants)))
    return rows


@bp.get("/permissions")
@sign_in_required
def permissions():
    roles = list(ROLES)
    principal = current_principal()
    return render_template(
        "help/permissions.html", roles=[(role, ROLES[role]) for role in roles],
        rows=permission_rows(roles, principal.roles), scopes=SCOPES,
        scope_descriptions=SCOPE_DESCRIPTIONS,
        own_roles=[ROLES.get(role, role) for role in sorted(principal.roles)])
