"""The secrets that sign webhook deliveries.

A delivery is signed with HMAC-SHA256 under its subscription's secret, so the portal must be
able to read the secret again (a hash, as kept for API keys, could not sign). It is shown once,
when the subscription is created, and kept only encrypted with Fernet (AES-128-CBC and
HMAC-SHA256) under a key held outside the database (``WEBHOOK_KEY_FILE``, owner-only, made on
first use), as the authenticator secrets are: a copy of the database alone signs nothing.
Never logged, never in an event.
"""

from __future__ import annotations

import secrets
from pathlib import Path
from uuid import UUID

import sqlalchemy as sa
from cryptography.fernet import Fernet, InvalidToken

from auth.keys import fernet_key_file
from auth.tables import metadata

PREFIX = "whsec_"

webhook_secrets = sa.Table(
    "webhook_secrets",
    metadata,
    sa.Column("subscription_id", sa.Uuid, primary_key=True),
    sa.Column("secret_encrypted", sa.String(300), nullable=False),
)


class SecretUnreadable(Exception):
    """The stored secret does not open with this deployment's key (the key file was lost or
    replaced): the subscription must be created again."""


class WebhookSecrets:
    def __init__(self, engine: sa.Engine, key: bytes) -> None:
        self.engine = engine
        self._fernet = Fernet(key)

    @classmethod
    def load_or_create_key(cls, engine: sa.Engine, path: Path) -> WebhookSecrets:
        """Losing the key file means every subscription must be created again (its secret
        can no longer sign)."""
        return cls(engine, fernet_key_file(path))

    def setup(self) -> None:
        webhook_secrets.create(self.engine, checkfirst=True)

    def create(self, subscription_id: UUID) -> str:
        """A new secret for the subscription (256 random bits), stored encrypted; the only
        time it is returned is now (and to the same client's retry of the same request)."""
        secret = PREFIX + secrets.token_urlsafe(32)
        with self.engine.begin() as c:
            c.execute(webhook_secrets.insert().values(
                subscription_id=subscription_id,
                secret_encrypted=self._fernet.encrypt(secret.encode()).decode()))
        return secret

    def secret_of(self, subscription_id: UUID) -> str | None:
        with self.engine.connect() as c:
            encrypted = c.execute(sa.select(webhook_secrets.c.secret_encrypted).where(
                webhook_secrets.c.subscription_id == subscription_id)).scalar()
        if encrypted is None:
            return None
        try:
            return self._fernet.decrypt(encrypted.encode()).decode()
        except InvalidToken:
            raise SecretUnreadable(str(subscription_id)) from None

    def delete(self, subscription_id: UUID) -> None:
        """A removed subscription's secret is destroyed: nothing is signed with it again."""
        with self.engine.begin() as c:
            c.execute(webhook_secrets.delete().where(
                webhook_secrets.c.subscription_id == subscription_id))
