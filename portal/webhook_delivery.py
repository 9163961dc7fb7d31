"""Delivering webhooks: POST each due event to its subscription's address, signed, and keep
how it went in the outbox (projections/webhook_outbox.py).

A delivery is a JSON body ``{"id", "type", "position", "occurred_at", "subscription_id",
"data"}`` with the headers ``Webhook-Id`` (the event's id, the same on every attempt and
replay: de-duplicate by it), ``Webhook-Event``, ``Webhook-Position``, ``Webhook-Timestamp``
(Unix seconds of this attempt) and ``Webhook-Signature: v1=<hex>``, the HMAC-SHA256 under the
subscription's secret of ``<timestamp>.<body>`` (README: how to check it). Any 2xx answer is
delivered. Anything else (another status, a redirect, which is never followed, a timeout, a
refused connection) is tried again after 30 seconds, then twice as long each time up to an
hour, until ``MAX_ATTEMPTS``; then the delivery is failed (a replay queues it again). An address
that is no longer allowed (plain http outside development) fails at once. Nothing of the body
or the secret is logged.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import socket
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

import requests
import sqlalchemy as sa

from auth.webhook_secrets import SecretUnreadable, WebhookSecrets
from domain.errors import DomainError
from domain.webhook import check_url, reachable_host
from projections import webhook_outbox as outbox

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
FIRST_DELAY = timedelta(seconds=30)
LONGEST_DELAY = timedelta(hours=1)
# Connect and read timeouts (seconds): a slow receiver holds up no one for long.
TIMEOUT = (5, 10)
# A claimed delivery is not claimed again by another worker until this has passed.
LEASE = timedelta(minutes=2)
USER_AGENT = "SufficiencyPortal-Webhooks/1"


def signature(secret: str, timestamp: str, body: bytes) -> str:
    """``v1=`` and the HMAC-SHA256 hex digest of ``<timestamp>.<body>`` under ``secret``."""
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "v1=" + digest.hexdigest()


def delay_after(attempts: int) -> timedelta:
    """How long to wait after the ``attempts``-th failed attempt: 30 s, 1 min, 2 min, ...,
    at most an hour."""
    return min(FIRST_DELAY * 2 ** (attempts - 1), LONGEST_DELAY)


@dataclass
class Round:
    """What one round of delivering did."""

    queued: int = 0
    delivered: int = 0
    retrying: int = 0
    failed: int = 0


@dataclass
class WebhookDeliverer:
    engine: sa.Engine
    secrets: WebhookSecrets
    local_http: bool = False
    clock: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))
    session: requests.Session = field(default_factory=requests.Session)

    def run_once(self, limit: int = 100) -> Round:
        """Queue what is new, then send every delivery that is due (``limit`` at most)."""
        done = Round()
        now = self.clock()
        try:
            with self.engine.begin() as c:
                done.queued = outbox.queue_new(c, now)
        except sa.exc.IntegrityError:
            pass  # another worker queued the same rows at the same moment: they are queued
        with self.engine.connect() as c:
            due = outbox.due(c, now, limit)
        for delivery in due:
            if not self._claim(delivery, now):
                continue  # another worker has it
            state = self._deliver(delivery)
            setattr(done, state, getattr(done, state) + 1)
        return done

    def _claim(self, delivery: dict, now: datetime) -> bool:
        d = outbox.webhook_deliveries
        with self.engine.begin() as c:
            claimed = c.execute(d.update().where(
                d.c.subscription_id == delivery["subscription_id"],
                d.c.position == delivery["position"], d.c.state == outbox.PENDING,
                d.c.next_attempt_at <= now).values(next_attempt_at=now + LEASE))
        return claimed.rowcount == 1

    def _deliver(self, delivery: dict) -> str:
        attempts = delivery["attempts"] + 1
        status, error = self._post(delivery)
        at = self.clock()
        if status is not None and 200 <= status < 300:
            state, next_at, error = outbox.DELIVERED, None, None
        elif error in (NOT_ALLOWED, UNSIGNABLE) or attempts >= MAX_ATTEMPTS:
            state, next_at = outbox.FAILED, None
        else:
            state, next_at = outbox.PENDING, at + delay_after(attempts)
        with self.engine.begin() as c:
            outbox.record(c, delivery["subscription_id"], delivery["position"], state=state,
                          attempts=attempts, at=at, next_attempt_at=next_at, status=status,
                          error=error)
        log.info("webhook delivery", extra={
            "subscription_id": str(delivery["subscription_id"]),
            "position": delivery["position"], "attempt": attempts, "status": status,
            "outcome": state})
        return "retrying" if state == outbox.PENDING else state

    def _resolves_to_internet(self, url: str) -> bool:
        """Every address the host's name resolves to is one deliveries may go to (a name that
        does not resolve is left to the connection, which fails and is tried again)."""
        parts = urlsplit(url)
        try:
            found = socket.getaddrinfo(parts.hostname, parts.port or 443,
                                       proto=socket.IPPROTO_TCP)
        except OSError:
            return True
        return all(reachable_host(info[4][0].split("%")[0], local_http=self.local_http)
                   for info in found)

    def _post(self, delivery: dict) -> tuple[int | None, str | None]:
        """The receiver's status, or None and why there was none."""
        try:
            url = check_url(delivery["url"], local_http=self.local_http)
        except DomainError:
            return None, NOT_ALLOWED
        if not self._resolves_to_internet(url):
            return None, NOT_ALLOWED
        try:
            secret = self.secrets.secret_of(delivery["subscription_id"])
        except SecretUnreadable:
            secret = None
        if secret is None:
            return None, UNSIGNABLE
        body = body_of(delivery)
        timestamp = str(int(self.clock().timestamp()))
        headers = {
            "Content-Type": "application/json", "User-Agent": USER_AGENT,
            "Webhook-Id": str(delivery["event_id"]), "Webhook-Event": delivery["event_type"],
            "Webhook-Position": str(delivery["position"]), "Webhook-Timestamp": timestamp,
            "Webhook-Signature": signature(secret, timestamp, body)}
        try:
            with self.session.post(url, data=body, headers=headers, timeout=TIMEOUT,
                                   allow_redirects=False, stream=True) as response:
                status = response.status_code
        except requests.Timeout:
            return None, "The receiver did not answer in time"
        except requests.RequestException as failure:
            return None, f"Could not connect ({type(failure).__name__})"
        if 300 <= status < 400:
            return status, "Redirects are not followed: give the final address"
        return status, None if 200 <= status < 300 else f"The receiver answered {status}"


NOT_ALLOWED = "This address is not allowed (https only, on the internet)"
UNSIGNABLE = ("The secret cannot be read with this deployment's key: create the subscription "
              "again")


def body_of(delivery: dict) -> bytes:
    """The JSON body of a delivery, the same bytes on every attempt."""
    data = json.loads(delivery["payload"])
    return json.dumps({
        "id": str(delivery["event_id"]), "type": delivery["event_type"],
        "position": delivery["position"],
        "occurred_at": delivery["occurred_at"].astimezone(UTC).isoformat(),
        "subscription_id": str(delivery["subscription_id"]), "data": data,
    }, sort_keys=True, separators=(",", ":")).encode()


def deliverer_for(services, **overrides) -> WebhookDeliverer:
    """The deliverer of a running portal's services (portal/bootstrap.py)."""
    portal = services.portal
    return WebhookDeliverer(engine=services.engine, secrets=portal.webhook_secrets,
                            local_http=portal.webhook_local_http, **overrides)
