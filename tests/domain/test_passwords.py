"""Password rules after NCSC guidance: length, a deny-list of common passwords, no composition
rules; hashes kept out of the events, verified in constant-ish time."""

from __future__ import annotations

from uuid import uuid4

import pytest

from auth.credentials import Credentials, check_password_rules, is_common
from domain.errors import DomainError


@pytest.mark.parametrize("password", [
    "password123", "Password123", "qwertyuiop", "liverpool2024!", "iloveyou12", "1234567890",
])
def test_common_passwords_and_decorated_ones_are_refused(password):
    assert is_common(password)
    with pytest.raises(DomainError, match="too common") as error:
        check_password_rules(password)
    assert error.value.field == "password"


@pytest.mark.parametrize("password", [
    "correct horse battery", "kettle-orbit-meadow", "lowercaseonlyisfine", "demo-council-password",
])
def test_long_uncommon_passwords_need_no_digits_capitals_or_symbols(password):
    check_password_rules(password)


def test_length_limits_and_the_email_address():
    with pytest.raises(DomainError, match="10 characters or more"):
        check_password_rules("tiny-pass")
    with pytest.raises(DomainError, match="256 characters or fewer"):
        check_password_rules("x" * 257)
    with pytest.raises(DomainError, match="email address"):
        check_password_rules("placements-officer-2026", email="placements-officer@kent.gov.uk")


def test_passwords_are_stored_as_argon2id_hashes_and_verified(tmp_path):
    import sqlalchemy as sa

    from auth.credentials import credentials

    engine = sa.create_engine(f"sqlite:///{tmp_path / 'c.db'}")
    store = Credentials(engine)
    store.setup()
    account = uuid4()
    store.set_password(account, "kettle-orbit-meadow")
    with engine.connect() as c:
        stored = c.execute(sa.select(credentials.c.password_hash)).scalar_one()
    assert stored.startswith("$argon2id$") and "kettle" not in stored
    assert store.verify(account, "kettle-orbit-meadow")
    assert not store.verify(account, "kettle-orbit-meadoW")
    assert not store.verify(None, "kettle-orbit-meadow")  # no such account
    with pytest.raises(DomainError):
        store.set_password(account, "password123")
    assert store.verify(account, "kettle-orbit-meadow")  # the refused change stored nothing
