"""The second factor: TOTP (RFC 6238, an authenticator app) with single-use recovery codes.

Secrets are kept here, never in events (which say only "second factor enrolled" or "reset").
An authenticator secret is encrypted at rest with Fernet under a key kept outside the database
(``second_factor.key`` in the instance folder, or SECOND_FACTOR_KEY_FILE), so a copy of the
database alone yields no usable secret. Recovery codes are stored as SHA-256 hashes: each is
80 random bits, far beyond guessing, so a slow hash adds nothing.

A code is accepted for the time step before, at or after now (clocks drift), and never for a
step at or before the last one accepted: a code seen over someone's shoulder, or sent twice,
is refused (RFC 6238 section 5.2).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from uuid import UUID

import pyotp
import sqlalchemy as sa
from cryptography.fernet import Fernet, InvalidToken

from auth.keys import fernet_key_file
from auth.tables import metadata

ISSUER = "Sufficiency Portal"
STEP_SECONDS = 30
RECOVERY_CODES = 10
# Accept the code of the step before and after now as well as now's.
VALID_WINDOW = 1

second_factors = sa.Table(
    "second_factors",
    metadata,
    sa.Column("account_id", sa.Uuid, primary_key=True),
    sa.Column("secret_encrypted", sa.String(300), nullable=False),
    # The time step (unix time // 30) of the last code accepted; codes at or before it are
    # replays.
    sa.Column("last_step", sa.BigInteger, nullable=False),
    sa.Column("enrolled_at", sa.DateTime(timezone=True), nullable=False),
)

recovery_codes = sa.Table(
    "recovery_codes",
    metadata,
    sa.Column("code_hash", sa.String(64), primary_key=True),
    sa.Column("account_id", sa.Uuid, nullable=False, index=True),
    sa.Column("used_at", sa.DateTime(timezone=True)),
)


def new_secret() -> str:
    """A fresh authenticator secret (160 bits, base32, as RFC 4226 recommends)."""
    return pyotp.random_base32(32)


def normalise_code(code: str) -> str:
    """What people type: spaces and hyphens ("123 456", "abcd-efgh-ijkl") are ignored."""
    return "".join(ch for ch in code if not ch.isspace() and ch != "-").lower()


def _hash(code: str) -> str:
    return hashlib.sha256(normalise_code(code).encode()).hexdigest()


def _new_recovery_code() -> str:
    raw = secrets.token_hex(10)  # 80 bits, 20 hex digits
    return "-".join(raw[i:i + 5] for i in range(0, 20, 5))


class SecondFactors:
    def __init__(self, engine: sa.Engine, key: bytes) -> None:
        self.engine = engine
        self._fernet = Fernet(key)
        self.clock: Callable[[], datetime] = lambda: datetime.now(UTC)

    @classmethod
    def load_or_create_key(cls, engine: sa.Engine, path: Path) -> SecondFactors:
        """The encryption key lives outside the database, owner-only, created on first use.
        Losing it means every account must set up its authenticator again (an administrator
        resets each one)."""
        return cls(engine, fernet_key_file(path))

    def setup(self) -> None:
        second_factors.create(self.engine, checkfirst=True)
        recovery_codes.create(self.engine, checkfirst=True)

    def step(self, at: datetime | None = None) -> int:
        return int((at or self.clock()).timestamp()) // STEP_SECONDS

    # --- reading ------------------------------------------------------------------------------

    def is_enrolled(self, account_id: UUID) -> bool:
        with self.engine.connect() as c:
            return c.execute(sa.select(second_factors.c.account_id)
                             .where(second_factors.c.account_id == account_id)
                             ).first() is not None

    def last_step(self, account_id: UUID) -> int | None:
        """The time step of the last code accepted (None: not enrolled)."""
        with self.engine.connect() as c:
            return c.execute(sa.select(second_factors.c.last_step)
                             .where(second_factors.c.account_id == account_id)).scalar()

    def recovery_codes_left(self, account_id: UUID) -> int:
        with self.engine.connect() as c:
            return c.execute(sa.select(sa.func.count()).select_from(recovery_codes).where(
                recovery_codes.c.account_id == account_id,
                recovery_codes.c.used_at.is_(None))).scalar_one()

    # --- enrolling ----------------------------------------------------------------------------

    def code_matches(self, secret: str, code: str) -> int | None:
        """The time step whose code ``code`` is (now, or one either side), or None."""
        code = normalise_code(code)
        if len(code) != 6 or not code.isdigit():
            return None
        totp = pyotp.TOTP(secret)
        now = self.step()
        for step in range(now - VALID_WINDOW, now + VALID_WINDOW + 1):
            if hmac.compare_digest(totp.at(step * STEP_SECONDS), code):
                return step
        return None

    def enrol(self, account_id: UUID, secret: str, code: str) -> list[str] | None:
        """Keep ``secret`` when ``code`` proves the person's app holds it; returns the new
        recovery codes (shown once), or None when the code is wrong."""
        step = self.code_matches(secret, code)
        if step is None:
            return None
        return self._store(account_id, secret, step)

    def enrol_fixed(self, account_id: UUID, secret: str) -> None:
        """Keep a known secret without a code: only for the demo accounts, whose secrets are
        public like their passwords. They get no recovery codes."""
        self._store(account_id, secret, 0, with_codes=False)

    def _store(self, account_id: UUID, secret: str, step: int, *,
               with_codes: bool = True) -> list[str]:
        encrypted = self._fernet.encrypt(secret.encode()).decode()
        codes = [_new_recovery_code() for _ in range(RECOVERY_CODES)] if with_codes else []
        with self.engine.begin() as c:
            c.execute(second_factors.delete().where(second_factors.c.account_id == account_id))
            c.execute(recovery_codes.delete().where(recovery_codes.c.account_id == account_id))
            c.execute(second_factors.insert().values(
                account_id=account_id, secret_encrypted=encrypted, last_step=step,
                enrolled_at=self.clock()))
            if codes:
                c.execute(recovery_codes.insert(), [
                    {"code_hash": _hash(code), "account_id": account_id} for code in codes])
        return codes

    def reset(self, account_id: UUID) -> None:
        """Forget the account's authenticator and recovery codes (an administrator's reset)."""
        with self.engine.begin() as c:
            c.execute(second_factors.delete().where(second_factors.c.account_id == account_id))
            c.execute(recovery_codes.delete().where(recovery_codes.c.account_id == account_id))

    def regenerate_recovery_codes(self, account_id: UUID) -> list[str]:
        """Ten new codes; every earlier one stops working."""
        codes = [_new_recovery_code() for _ in range(RECOVERY_CODES)]
        with self.engine.begin() as c:
            c.execute(recovery_codes.delete().where(recovery_codes.c.account_id == account_id))
            c.execute(recovery_codes.insert(), [
                {"code_hash": _hash(code), "account_id": account_id} for code in codes])
        return codes

    def seal(self, secret: str) -> str:
        """A secret encrypted for keeping in a session while it is being set up."""
        return self._fernet.encrypt(secret.encode()).decode()

    def unseal(self, sealed: str | None) -> str | None:
        """A sealed secret, if it is one of ours and under 15 minutes old."""
        if not isinstance(sealed, str):
            return None
        try:
            return self._fernet.decrypt(sealed.encode(), ttl=15 * 60).decode()
        except InvalidToken:
            return None

    # --- signing in ---------------------------------------------------------------------------

    def secret(self, account_id: UUID) -> str | None:
        with self.engine.connect() as c:
            encrypted = c.execute(sa.select(second_factors.c.secret_encrypted)
                                  .where(second_factors.c.account_id == account_id)).scalar()
        if encrypted is None:
            return None
        try:
            return self._fernet.decrypt(encrypted.encode()).decode()
        except InvalidToken:
            # Encrypted under another key (the key file was lost or replaced): no code can
            # match; an administrator resets the second factor.
            return None

    def verify(self, account_id: UUID, code: str) -> bool:
        """Whether ``code`` is the account's current code and has not been used before."""
        secret = self.secret(account_id)
        step = self.code_matches(secret, code) if secret else None
        if step is None:
            return False
        # Atomic: of two requests with the same code, only one moves last_step forward.
        with self.engine.begin() as c:
            moved = c.execute(second_factors.update().where(
                second_factors.c.account_id == account_id,
                second_factors.c.last_step < step).values(last_step=step)).rowcount
        return moved == 1

    def use_recovery_code(self, account_id: UUID, code: str) -> int | None:
        """Spend one recovery code: the number left afterwards, or None when it is not one of
        the account's unused codes."""
        with self.engine.begin() as c:
            used = c.execute(recovery_codes.update().where(
                recovery_codes.c.code_hash == _hash(code),
                recovery_codes.c.account_id == account_id,
                recovery_codes.c.used_at.is_(None)).values(used_at=self.clock())).rowcount
        if used != 1:
            return None
        return self.recovery_codes_left(account_id)


def provisioning_uri(secret: str, email: str) -> str:
    """The otpauth:// address an authenticator app reads from the QR code."""
    return pyotp.TOTP(secret).provisioning_uri(name=email, issuer_name=ISSUER)


def demo_secret(email: str) -> str:
    """The demo accounts' fixed secrets, derived from their e-mail address so that anyone
    trying the demo (and the tests) can compute the codes. Demo use only, like their
    passwords."""
    digest = hashlib.sha256(f"sufficiency-portal-demo-totp:{email.lower()}".encode()).digest()
    return base64.b32encode(digest[:20]).decode()
