"""Key decisions as the councils state their thresholds: Dorset's "£500,000 or more" means a
share of exactly £500,000 needs one; a pound less does not."""

from __future__ import annotations

import pytest

from domain.tender import key_decision_needed
from portal.demo.region import AUTHORITIES

THRESHOLD = {a.name: a.key_decision_threshold for a in AUTHORITIES}


@pytest.mark.parametrize(("council", "share", "needed"), [
    ("Dorset", 500_000, True),  # "£500,000 or more"
    ("Dorset", 499_999, False),
    ("West Sussex", 500_000, True),  # "£500,000 or more"
    ("Portsmouth", 250_000, True),  # "at least £250,000"
    ("Portsmouth", 249_999, False),
    ("Kent", 1_000_000, True),
    ("Kent", 1_000_001, True),
])
def test_a_share_at_the_threshold_needs_a_key_decision(council, share, needed):
    assert key_decision_needed(share, THRESHOLD[council]) is needed
