"""Local-account credentials, kept apart from the event log.

Password hashes are secrets: they are stored in their own table (never in events, which
auditors read and export) and hashed with Argon2id (argon2-cffi's recommended parameters).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from uuid import UUID

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from zxcvbn.frequency_lists import FREQUENCY_LISTS

from auth.tables import metadata
from domain.errors import DomainError

MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 256

credentials = sa.Table(
    "credentials",
    metadata,
    sa.Column("account_id", sa.Uuid, primary_key=True),
    sa.Column("password_hash", sa.String(200), nullable=False),
    sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
)

_hasher = PasswordHasher()
# A hash of a random password, verified against when the account does not exist, so that a
# missing account takes as long to refuse as a wrong password.
_DUMMY_HASH = _hasher.hash("not-a-real-password-used-for-timing-only")


# NCSC password guidance: a minimum length, a deny-list of the most common passwords, and no
# composition rules (no "must contain a number"). The deny-list is zxcvbn's list of the 30,000
# most common passwords from breach corpora.
COMMON_PASSWORDS = frozenset(FREQUENCY_LISTS["passwords"])
_DECORATION = re.compile(r"[\d\W_]+$")


def is_common(password: str) -> bool:
    """A common password, or one with only digits or symbols added to the end of one
    ("liverpool2024!")."""
    lowered = password.lower()
    base = _DECORATION.sub("", lowered)
    return lowered in COMMON_PASSWORDS or (len(base) >= 4 and base in COMMON_PASSWORDS)


def check_password_rules(password: str, *, email: str | None = None) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise DomainError(f"Password must be {MIN_PASSWORD_LENGTH} characters or more",
                          field="password")
    if len(password) > MAX_PASSWORD_LENGTH:
        raise DomainError(f"Password must be {MAX_PASSWORD_LENGTH} characters or fewer",
                          field="password")
    if is_common(password):
        raise DomainError("This password is too common and easily guessed: choose another, "
                          "for example three random words", field="password")
    if email and email.split("@")[0].lower() in password.lower():
        raise DomainError("Your password must not contain your email address",
                          field="password")


class Credentials:
    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine

    def setup(self) -> None:
        credentials.create(self.engine, checkfirst=True)

    def set_password(self, account_id: UUID, password: str) -> None:
        check_password_rules(password)
        values = {"password_hash": _hasher.hash(password), "changed_at": datetime.now(UTC)}
        with self.engine.begin() as c:
            updated = c.execute(credentials.update()
                                .where(credentials.c.account_id == account_id)
                                .values(**values)).rowcount
            if not updated:
                c.execute(credentials.insert().values(account_id=account_id, **values))

    def has_password(self, account_id: UUID) -> bool:
        with self.engine.connect() as c:
            return c.execute(sa.select(credentials.c.account_id)
                             .where(credentials.c.account_id == account_id)).first() is not None

    def verify(self, account_id: UUID | None, password: str) -> bool:
        stored = None
        if account_id is not None:
            with self.engine.connect() as c:
                stored = c.execute(sa.select(credentials.c.password_hash)
                                   .where(credentials.c.account_id == account_id)).scalar()
        try:
            _hasher.verify(stored or _DUMMY_HASH, password[:MAX_PASSWORD_LENGTH])
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False
        if stored is None:
            return False
        if _hasher.check_needs_rehash(stored):
            self.set_password(account_id, password)
        return True
