"""Fostering returns for tests: a plausible month's figures, changed where a test says."""

from __future__ import annotations

from typing import Any

from domain.fostering import FIELDS


def figures(**changes: Any) -> dict[str, Any]:
    """A month's return: 40 mainstream households with 70 places (60 in use), 10 kinship with
    12 (12), 3 parent and child with 3 (2), 5 short break with 6 (4); 20 enquiries, 6
    applications, 4 assessments completed, 3 approvals, 2 resignations (one retired, one
    moved to an agency)."""
    base = dict.fromkeys(FIELDS, 0)
    base.update(households_mainstream=40, places_mainstream=70, in_use_mainstream=60,
                households_kinship=10, places_kinship=12, in_use_kinship=12,
                households_parent_and_child=3, places_parent_and_child=3,
                in_use_parent_and_child=2, households_short_break=5, places_short_break=6,
                in_use_short_break=4, enquiries=20, applications=6, assessments=4,
                approvals=3, resigned_retired=1, resigned_to_agency=1)
    base.update(changes)
    return base
