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
leaves the key claimed without a response. A retry within ``CLAIM_TIMEOUT`` is refused as
"in_progress"; after it, the retry takes the claim over and runs, and a creating command, whose
new record's id comes from the key (:func:`created_id`), finds what the first run stored rather
than creating it twice.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid5

import sqlalchemy as sa

from auth.tables import metadata

# A stored response answers retries for a day; older records are swept as new ones arrive.
IDEMPOTENCY_LIFETIME = timedelta(hours=24)
# A claim without a response this old was left by a process that died mid-request: longer than
# any request may run (gunicorn's worker timeout, 30 s by default, ends one long before).
CLAIM_TIMEOUT = timedelta(seconds=120)
# The namespace of the ids a creating command takes from its caller's key (created_id).
CREATED_IDS = UUID("6f1c8a52-3c1e-4f0b-9a55-2d6c2b7e9f10")


def created_id(caller_id: UUID, key: str) -> UUID:
    """The id of the record a request with this key creates: the same on every retry, so a
    retry after a crash that came between the save and the reply finds the first run's record
    (the store refuses a second creation with that id) instead of creating another."""
    return uuid5(CREATED_IDS, f"{caller_id}/{key}")

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
        self.claim_timeout = CLAIM_TIMEOUT

    def setup(self) -> None:
        idempotency_keys.create(self.engine, checkfirst=True)

    def begin(self, caller_id: UUID, key: str, fingerprint: str) -> StoredResponse | None:
        """Claim ``key`` for a request (None: run it), or the response its first run gave.

        A claim left without a response for longer than ``claim_timeout`` belongs to a request
        whose process died (the web server ends any request long before): the retry takes it
        over and runs. The first run may have stored its events before it died, so a command
        that creates a record takes its id from the key (:func:`created_id`), and running it
        again finds the record instead of creating a second."""
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
                # Only one retry takes an abandoned claim over: the update sees the claim's
                # time refreshed by any other that got there first.
                taken = c.execute(t.update().where(
                    t.c.caller_id == caller_id, t.c.idempotency_key == key,
                    t.c.status.is_(None), t.c.created_at < now - self.claim_timeout,
                ).values(created_at=now)).rowcount
                if taken:
                    return None
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
