"""The stores behind local accounts: authenticator secrets and recovery codes, and single-use
link tokens. Secrets are never stored as they are."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pyotp
import pytest
import sqlalchemy as sa
from cryptography.fernet import Fernet

from auth.second_factor import (
    STEP_SECONDS,
    SecondFactors,
    demo_secret,
    new_secret,
    recovery_codes,
    second_factors,
)
from auth.tokens import INVITATION, PASSWORD_RESET, LinkRefused, single_use_tokens

NOW = datetime(2026, 11, 23, 12, 0, 10, tzinfo=UTC)


@pytest.fixture
def store(services):
    services.second_factors.clock = lambda: NOW
    return services.second_factors


def code(secret: str, step_offset: int = 0) -> str:
    step = int(NOW.timestamp()) // STEP_SECONDS + step_offset
    return pyotp.TOTP(secret).at(step * STEP_SECONDS)


def test_enrolment_needs_a_right_code_and_keeps_the_secret_encrypted(store, services):
    account, secret = uuid4(), new_secret()
    assert store.enrol(account, secret, "000000" if code(secret) != "000000" else "111111") \
        is None
    assert not store.is_enrolled(account)
    codes = store.enrol(account, secret, code(secret))
    assert len(codes) == 10 and len(set(codes)) == 10
    with services.engine.connect() as c:
        row = c.execute(sa.select(second_factors)).mappings().one()
        hashes = c.execute(sa.select(recovery_codes.c.code_hash)).scalars().all()
    assert secret not in row["secret_encrypted"]
    assert not set(codes) & set(hashes)
    assert store.secret(account) == secret


def test_a_code_works_once_and_never_for_an_earlier_step(store):
    account, secret = uuid4(), new_secret()
    store.enrol(account, secret, code(secret, -1))  # enrolled with the previous step's code
    assert not store.verify(account, code(secret, -1))  # that code is spent
    assert store.verify(account, code(secret))
    assert not store.verify(account, code(secret))  # replayed
    assert store.verify(account, code(secret, +1))
    assert not store.verify(account, code(secret))  # earlier than the last accepted
    assert not store.verify(account, code(secret, +2))  # too far ahead


def test_codes_with_spaces_are_accepted_and_junk_refused(store):
    account, secret = uuid4(), new_secret()
    store.enrol_fixed(account, secret)
    right = code(secret)
    assert not store.verify(account, "")
    assert not store.verify(account, "abc def")
    assert store.verify(account, f" {right[:3]} {right[3:]} ")


def test_a_secret_under_another_key_matches_no_code(services, store):
    account, secret = uuid4(), new_secret()
    store.enrol_fixed(account, secret)
    other = SecondFactors(services.engine, Fernet.generate_key())
    other.clock = store.clock
    assert other.secret(account) is None
    assert not other.verify(account, code(secret))


def test_recovery_codes_work_once_and_regenerating_retires_them(store):
    account, secret = uuid4(), new_secret()
    codes = store.enrol(account, secret, code(secret))
    assert store.use_recovery_code(account, codes[0].upper().replace("-", " ")) == 9
    assert store.use_recovery_code(account, codes[0]) is None
    assert store.use_recovery_code(uuid4(), codes[1]) is None  # another account's
    fresh = store.regenerate_recovery_codes(account)
    assert store.use_recovery_code(account, codes[1]) is None
    assert store.use_recovery_code(account, fresh[0]) == 9
    store.reset(account)
    assert not store.is_enrolled(account)
    assert store.use_recovery_code(account, fresh[1]) is None


def test_sealed_secrets_expire_and_cannot_be_forged(store):
    sealed = store.seal("JBSWY3DPEHPK3PXP")
    assert store.unseal(sealed) == "JBSWY3DPEHPK3PXP"
    assert store.unseal(sealed[:-4] + "AAAA") is None
    assert store.unseal("not sealed") is None
    assert store.unseal(None) is None


def test_demo_secrets_are_fixed_and_distinct():
    assert demo_secret("a@example.org") == demo_secret("A@example.org")
    assert demo_secret("a@example.org") != demo_secret("b@example.org")
    assert pyotp.TOTP(demo_secret("a@example.org")).now().isdigit()


def test_link_tokens_are_single_use_expiring_and_stored_hashed(services):
    tokens = services.tokens
    account = uuid4()
    link = tokens.issue(PASSWORD_RESET, account)
    with services.engine.connect() as c:
        stored = c.execute(sa.select(single_use_tokens.c.token_hash)).scalars().all()
    assert link.token not in stored
    with pytest.raises(LinkRefused) as refused:
        tokens.check(INVITATION, link.token)  # another purpose's link
    assert refused.value.reason == "unknown"
    assert tokens.spend(PASSWORD_RESET, link.token) == account
    with pytest.raises(LinkRefused) as refused:
        tokens.spend(PASSWORD_RESET, link.token)
    assert refused.value.reason == "used"
    later = tokens.issue(PASSWORD_RESET, account)
    real = tokens.clock
    tokens.clock = lambda: real() + timedelta(hours=1, seconds=1)
    with pytest.raises(LinkRefused) as refused:
        tokens.spend(PASSWORD_RESET, later.token)
    assert refused.value.reason == "expired"
    for junk in ("", "x" * 101):
        with pytest.raises(LinkRefused):
            tokens.check(PASSWORD_RESET, junk)


def test_a_secret_file_is_created_once_owner_only_and_read_byte_for_byte(tmp_path):
    from auth.keys import secret_file
    from domain.child_ref import ChildReferences

    path = tmp_path / "keys" / "child_ref.key"
    made = []

    def make() -> bytes:
        made.append(1)
        return b"\x00" * 31 + b"\n"  # a random secret may end in whitespace: kept as it is

    first = secret_file(path, make)
    again = secret_file(path, make)
    assert made == [1]
    assert first == again == b"\x00" * 31 + b"\n"
    assert path.stat().st_mode & 0o077 == 0
    refs = ChildReferences(first)
    assert refs.reference("838", "A1") == ChildReferences(again).reference("838", "A1")
