"""The permission table's scopes as SQL: which organisations' rows a viewer may read.

The row-at-a-time check is :func:`domain.permissions.in_scope`; a query reading many rows adds
:func:`in_scope_condition` to its WHERE clause instead, so both read the same table.
"""

from __future__ import annotations

import sqlalchemy as sa

from domain.permissions import PARTNERSHIP, REGION, check
from projections.directory import partnership_members


def in_scope_condition(viewer, action: str, organisation_column) -> sa.ColumnElement[bool]:
    """A condition on ``organisation_column`` (the organisation each row belongs to) that keeps
    only the rows within the viewer's scope for ``action`` (Forbidden without the action)."""
    scope = check(viewer, action)
    if scope == REGION:
        return sa.true()
    own = organisation_column == viewer.organisation_id
    if scope == PARTNERSHIP and viewer.partnerships:
        partners = (sa.select(partnership_members.c.authority_id)
                    .where(partnership_members.c.partnership.in_(sorted(viewer.partnerships))))
        return sa.or_(own, organisation_column.in_(partners))
    return own
