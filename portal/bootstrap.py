"""The composition root: builds the event-sourced application, the read-model engine, the
projection runner and the audit checkpointer from settings. Tests call it with their own
settings; nothing is global."""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa

from auth.api_clients import ApiClients
from auth.credentials import Credentials
from auth.idempotency import IdempotencyKeys
from auth.keys import fernet_key_file, secret_file
from auth.second_factor import SecondFactors
from auth.session_store import purge, web_sessions
from auth.tokens import SingleUseTokens
from auth.webhook_secrets import WebhookSecrets
from domain.child_ref import KEY_BYTES, ChildReferences
from domain.sealing import BidSeal
from portal.imports.job_records import create_tables as create_import_tables
from portal.mail import Mailer, mailer_from_environment
from portal.services.application import Portal
from projections.audit.checkpoints import Checkpointer
from projections.audit.signing import SigningKey
from projections.database import Database, schema_lock
from projections.home_search_queries import largest_registered_places
from projections.registry import all_projections
from projections.runner import ProjectionRunner
from projections.sufficiency.builds import dashboard_builds
from projections.timetravel import SnapshotCadence, add_signature_column, snapshot_if_due

DEFAULT_DEPLOYMENT = "sufficiency-portal"


class SigningRunner(ProjectionRunner):
    """The projection runner of a deployment that signs its log as it grows: the verifiable
    log signs a checkpoint in each batch that adds leaves (so after every command the web
    process waits for, and every round of the projection process), and once the batch has
    committed the checkpoint is appended to the witness file. No event stays unsigned for
    longer than its projections take to catch up, so none can be edited or removed with its
    leaf unnoticed (``portal audit verify``)."""

    checkpoints: Checkpointer | None = None

    def sign_as_it_grows(self, checkpoints: Checkpointer) -> None:
        self.checkpoints = checkpoints
        self.projections["verifiable_log"].signer = checkpoints

    def catch_up(self, until=None, progress=None) -> int:
        try:
            return super().catch_up(until, progress)
        finally:
            self._witness()

    def rebuild(self, names=None, progress=None) -> int:
        try:
            applied = super().rebuild(names, progress)
            # The rebuilt log was grown in shadow tables without signing: events stored
            # while it ran are signed now, not at the next event.
            if self.checkpoints is not None:
                self.checkpoints.create_if_grown()
            return applied
        finally:
            self._witness()

    def retry(self, name):
        try:
            return super().retry(name)
        finally:
            self._witness()

    def _witness(self) -> None:
        if self.checkpoints is not None:
            self.checkpoints.witness_signed()


@dataclass
class Services:
    database: Database
    portal: Portal
    engine: sa.Engine
    projections: ProjectionRunner
    credentials: Credentials
    checkpoints: Checkpointer
    child_refs: ChildReferences
    # Sends e-mail (portal/mail.py): the recording outbox unless SMTP_URL is set.
    mailer: Mailer
    # Authenticator secrets (encrypted) and recovery codes; invitation and reset links.
    second_factors: SecondFactors
    tokens: SingleUseTokens
    # When projections are snapshotted for "as at" (SNAPSHOT_EVERY_EVENTS/_MINUTES).
    snapshot_cadence: SnapshotCadence = field(default_factory=SnapshotCadence)
    _next_snapshot_look: float = 0.0

    @property
    def snapshot_key(self) -> bytes:
        """The key that signs and checks projection snapshots (from the checkpoint key)."""
        return self.checkpoints.key.snapshot_key

    def housekeeping(self) -> None:
        """Periodic work: sign a checkpoint when one is due (every 15 minutes) and snapshot
        projections that moved far enough (for fast "as at"). Cheap when nothing is due."""
        if self.checkpoints.create_if_due() is not None or self._snapshot_due():
            # Not the tables another version built: a snapshot of those would be of the old
            # shape (their rebuild deletes their snapshots).
            rebuilding = self.projections.rebuilding()
            snapshot_if_due(self.engine, [p for p in self.projections.projections.values()
                                          if p.name not in rebuilding],
                            self.snapshot_key, self.snapshot_cadence)
            purge(self.engine)  # sessions that can no longer be used

    def _snapshot_due(self) -> bool:
        now = time.monotonic()
        if now < self._next_snapshot_look:
            return False
        self._next_snapshot_look = now + 60
        return True

    def close(self) -> None:
        self.portal.close()
        self.engine.dispose()


def _instance(database: Database, instance: Path | None) -> Path:
    if instance is not None:
        return instance
    return (Path(database.url.database).resolve().parent if database.is_sqlite
            else Path(os.environ.get("PORTAL_INSTANCE_DIR", "instance")))


def audit_files(database: Database, instance: Path | None) -> tuple[Path, Path]:
    """Where the audit signing key and the witness copy of the checkpoints live: outside the
    database, in the instance folder (for SQLite, beside the database file by default).
    AUDIT_SIGNING_KEY_FILE and AUDIT_WITNESS_FILE override both."""
    instance = _instance(database, instance)
    key = Path(os.environ.get("AUDIT_SIGNING_KEY_FILE", instance / "audit_ed25519.pem"))
    witness = Path(os.environ.get("AUDIT_WITNESS_FILE", instance / "audit-checkpoints.jsonl"))
    return key, witness


def child_reference_file(database: Database, instance: Path | None) -> Path:
    """The secret that keys pseudonymous child references (CHILD_REF_KEY_FILE overrides).
    Keep it with the audit key, out of the database and out of backups shared with others:
    losing it means references can no longer be matched to the council's ids."""
    return Path(os.environ.get("CHILD_REF_KEY_FILE",
                               _instance(database, instance) / "child_ref.key"))


def second_factor_key_file(database: Database, instance: Path | None) -> Path:
    """The key that encrypts authenticator secrets (SECOND_FACTOR_KEY_FILE overrides). Keep
    it out of the database, like the child reference key."""
    return Path(os.environ.get("SECOND_FACTOR_KEY_FILE",
                               _instance(database, instance) / "second_factor.key"))


def bid_seal_key_file(database: Database, instance: Path | None) -> Path:
    """The key that seals bids until they are opened (BID_SEAL_KEY_FILE overrides). Without
    it, bids standing at the deadline cannot be opened: keep it with the other keys."""
    return Path(os.environ.get("BID_SEAL_KEY_FILE",
                               _instance(database, instance) / "bid_seal.key"))


def webhook_key_file(database: Database, instance: Path | None) -> Path:
    """The key that encrypts webhook subscriptions' signing secrets (WEBHOOK_KEY_FILE
    overrides). Keep it with the other keys, out of the database."""
    return Path(os.environ.get("WEBHOOK_KEY_FILE",
                               _instance(database, instance) / "webhook.key"))


def webhooks_allow_local_http(database: Database) -> bool:
    """Whether a webhook may be delivered by plain http to localhost or 127.0.0.1:
    WEBHOOKS_ALLOW_LOCAL_HTTP=true or false; by default yes on SQLite (development and
    tests), never on PostgreSQL (production) unless set."""
    setting = os.environ.get("WEBHOOKS_ALLOW_LOCAL_HTTP", "").strip().lower()
    if setting in ("true", "false"):
        return setting == "true"
    return database.is_sqlite


def _largest_registered_places(engine: sa.Engine) -> int | None:
    """What the home search commands check a sibling group against: the directory's largest
    setting (read model)."""
    with engine.connect() as connection:
        return largest_registered_places(connection)


def bootstrap(database_url: str, *, projections_inline: bool = True,
              instance: Path | None = None, mailer: Mailer | None = None,
              upgrade: bool | None = None) -> Services:
    """The services on ``database_url``. A process that applies events itself
    (``projections_inline``, or ``upgrade``) first rebuilds the projections whose tables
    another version built (:meth:`ProjectionRunner.upgrade`); a web worker beside a
    projection process leaves that to it, and its pages for them say they are being
    rebuilt meanwhile."""
    database = Database.from_url(database_url)
    # On PostgreSQL, fail at once with the server's reason (no such database, connection
    # refused) rather than eventsourcing's pool timing out without one.
    database.check_reachable()
    engine = database.create_engine()
    # Several processes (gunicorn workers, the projection process) start together: they create
    # the event store's and the read models' tables one at a time (PostgreSQL advisory lock).
    with schema_lock(engine):
        portal = Portal(env=database.event_store_env())
        portal.bid_seal = BidSeal(fernet_key_file(bid_seal_key_file(database, instance)))
        portal.largest_placeable_group = lambda: _largest_registered_places(engine)
        runner = SigningRunner(portal, engine, all_projections(), inline=projections_inline)
        runner.setup()
        add_signature_column(engine)
        create_import_tables(engine)
        dashboard_builds.create(engine, checkfirst=True)  # built dashboards, kept
        credentials = Credentials(engine)
        credentials.setup()
        web_sessions.create(engine, checkfirst=True)
        key_file, witness_file = audit_files(database, instance)
        checkpointer = Checkpointer(engine, SigningKey.load_or_create(key_file),
                                    os.environ.get("PORTAL_DEPLOYMENT", DEFAULT_DEPLOYMENT),
                                    witness_file)
        runner.sign_as_it_grows(checkpointer)
        child_refs = ChildReferences(secret_file(child_reference_file(database, instance),
                                                 lambda: os.urandom(KEY_BYTES)))
        second_factors = SecondFactors.load_or_create_key(
            engine, second_factor_key_file(database, instance))
        second_factors.setup()
        tokens = SingleUseTokens(engine)
        tokens.setup()
        portal.api_clients = ApiClients(engine)
        portal.api_clients.setup()
        # One store of idempotency keys for the API's requests and the web's forms.
        portal.idempotency = IdempotencyKeys(engine)
        portal.idempotency.setup()
        portal.webhook_secrets = WebhookSecrets.load_or_create_key(
            engine, webhook_key_file(database, instance))
        portal.webhook_secrets.setup()
        portal.webhook_engine = engine
        portal.webhook_local_http = webhooks_allow_local_http(database)
        mailer = mailer or mailer_from_environment(engine)
    # After the schema lock: other processes start meanwhile (their pages for these
    # projections say they are being rebuilt, and their runners leave them alone).
    if projections_inline if upgrade is None else upgrade:
        runner.upgrade()
    return Services(database=database, portal=portal, engine=engine, projections=runner,
                    credentials=credentials, checkpoints=checkpointer, child_refs=child_refs,
                    mailer=mailer,
                    second_factors=second_factors, tokens=tokens,
                    snapshot_cadence=SnapshotCadence.from_environment())
