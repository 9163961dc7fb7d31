"""Idempotency keys: a request that changes something, sent again after its reply was lost, is
answered as the first was and changes nothing twice.

One store for both ways in: an API client's ``Idempotency-Key`` header
(:func:`portal.api.access.idempotent`) and the hidden key every form that creates or changes a
record carries (:mod:`portal.form_keys`). A key is claimed here, per caller (the API client's
or the signed-in person's id), before its request runs: a retry with the same key gets the
first response again, a retry while the first is still running is refused ("in_progress"), and
the same key with a different request is refused ("reused"). A request that stored nothing
(refused, or failed) gives its key back, so fixing the form and sending it again runs.

The claim and the command's events are not one transaction: a process killed between the two
leaves the key claimed without a response, and a retry is then refused as "in_progress" (never
run twice) until the record is swept a day later.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from uuid import UUID

import sqlalchemy as sa

from auth.tables import metadata

# A stored response answers retries for a day; older records are swept as new ones arrive.
IDEMPOTENCY_LIFETIME = timedelta(hours=24)

idempotency_keys = sa.Table(
    "idempotency_keys",
    metadata,
    sa.Column("caller_id", sa.Uuid, primary_key=True),  # an API client's or a person's id
    sa.Column("idempotency_key", sa.String(255), primary_key=True),
    sa.Column("fingerprint", sa.String(64), nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, index=True),
    sa.Column("status", sa.Integer),  # None while the first request runs
    sa.Column("body", sa.Text),
    sa.Column("headers", sa.Text),  # JSON: the response headers a retry gets again
)


class IdempotencyRefused(Exception):
    """``reason`` is "in_progress" (the first request with this key is still running) or
    "reused" (the key was used for a different request)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class StoredResponse:
    status: int
    body: str
    headers: dict[str, str]


class IdempotencyKeys:
    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine
        self.clock: Callable[[], datetime] = lambda: datetime.now(UTC)

    def setup(self) -> None:
        idempotency_keys.create(self.engine, checkfirst=True)

    def begin(self, caller_id: UUID, key: str, fingerprint: str) -> StoredResponse | None:
        """Claim ``key`` for a request (None: run it), or the response its first run gave."""
        t = idempotency_keys
        now = self.clock()
        with self.engine.begin() as c:
            c.execute(t.delete().where(t.c.created_at < now - IDEMPOTENCY_LIFETIME))
            row = c.execute(sa.select(t).where(t.c.caller_id == caller_id,
                                               t.c.idempotency_key == key)).mappings().first()
            if row is None:
                try:
                    with c.begin_nested():
                        c.execute(t.insert().values(caller_id=caller_id, idempotency_key=key,
                                                    fingerprint=fingerprint, created_at=now))
                except sa.exc.IntegrityError:
                    raise IdempotencyRefused("in_progress") from None
                return None
        if row["fingerprint"] != fingerprint:
            raise IdempotencyRefused("reused")
        if row["status"] is None:
            raise IdempotencyRefused("in_progress")
        return StoredResponse(status=row["status"], body=row["body"],
                              headers=json.loads(row["headers"]))

    def finish(self, caller_id: UUID, key: str, response: StoredResponse) -> None:
        t = idempotency_keys
        with self.engine.begin() as c:
            c.execute(t.update().where(t.c.caller_id == caller_id, t.c.idempotency_key == key)
                      .values(status=response.status, body=response.body,
                              headers=json.dumps(response.headers)))

    def abandon(self, caller_id: UUID, key: str) -> None:
        """Forget a claimed key whose request stored nothing (refused, or failed): a retry may
        run again."""
        t = idempotency_keys
        with self.engine.begin() as c:
            c.execute(t.delete().where(t.c.caller_id == caller_id, t.c.idempotency_key == key,
                                       t.c.status.is_(None)))
