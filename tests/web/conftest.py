from __future__ import annotations

import pytest

from tests.conftest import account_for
from tests.web.api_fixtures import (  # noqa: F401 (the integration API's fixtures)
    council_api,
    other_council_api,
    other_provider_api,
    provider_api,
)


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
