from __future__ import annotations

import pytest

from tests.conftest import account_for


@pytest.fixture
def officer():
    return account_for("council_officer", "Kent")


@pytest.fixture
def provider_user():
    from portal.demo.loader import demo_accounts

    return next(a for a in demo_accounts() if a.role == "provider_user")


@pytest.fixture
def other_provider_user():
    from portal.demo.loader import demo_accounts

    return [a for a in demo_accounts() if a.role == "provider_user"][1]
