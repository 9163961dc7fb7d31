"""A handful of SIGKILLs of web workers and the projection process during a burst of HTTP
writes, on PostgreSQL (``make bench`` runs the same harness with hundreds): nothing
acknowledged is lost, nothing is created twice, the projections resume with no gap and no
duplicate (they match a rebuild row for row) and the audit log verifies."""

from __future__ import annotations

import pytest

from tests.postgres.crash_harness import run

pytestmark = pytest.mark.postgres


def test_kills_during_writes_lose_nothing_acknowledged_and_duplicate_nothing(
        postgres_url, tmp_path):
    outcome = run(postgres_url, tmp_path, kills=6)
    assert outcome.kills_web == 3 and outcome.kills_projection == 3
    assert outcome.acknowledged > 0, "no write was acknowledged: the harness proved nothing"
    assert outcome.given_up == 0, "a write retried with its key was never answered"
    assert outcome.lost == []
    assert outcome.duplicated == []
    assert outcome.differing_tables == []
    assert outcome.verify_exit == 0, outcome.verify_output
