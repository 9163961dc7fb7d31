"""The key that seals bids lives in a file outside the database, created owner-only on first
use and shared by every process of a deployment, so a bid sealed by one opens in another."""

from __future__ import annotations

import pytest

from domain.sealing import SealBroken
from portal.bootstrap import bootstrap
from tests.conftest import sqlite_url

CONTENT = {"weekly_price": 6_200, "answers": {"Q1": "Small homes"}}


def test_the_key_is_created_once_and_every_process_uses_it(tmp_path):
    url = sqlite_url(tmp_path / "portal.db")
    first = bootstrap(url)
    token = first.portal.bid_seal.seal(CONTENT)
    first.close()
    key = tmp_path / "bid_seal.key"
    assert key.stat().st_mode & 0o777 == 0o600
    assert key.read_bytes() not in (tmp_path / "portal.db").read_bytes()
    second = bootstrap(url)
    try:
        assert second.portal.bid_seal.unseal(token) == CONTENT
    finally:
        second.close()


def test_another_key_file_cannot_open_the_bids(tmp_path, monkeypatch):
    url = sqlite_url(tmp_path / "portal.db")
    first = bootstrap(url)
    token = first.portal.bid_seal.seal(CONTENT)
    first.close()
    monkeypatch.setenv("BID_SEAL_KEY_FILE", str(tmp_path / "elsewhere" / "other.key"))
    other = bootstrap(url)
    try:
        assert (tmp_path / "elsewhere" / "other.key").exists()
        with pytest.raises(SealBroken):
            other.portal.bid_seal.unseal(token)
    finally:
        other.close()
