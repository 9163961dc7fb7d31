"""A webhook subscription's rules: https only (plain http to localhost only in development),
no credentials in the address, event types of the organisation's kind only; a removed
subscription is neither replayed nor removed again."""

from __future__ import annotations

from uuid import uuid4

import pytest

from domain.actor import Actor
from domain.errors import DomainError, IllegalTransition
from domain.webhook import WebhookSubscription, check_event_types, check_url, event_types_for


@pytest.mark.parametrize("url", ["https://hooks.example.org/in",
                                 "https://hooks.example.org:8443/in?team=3",
                                 "https://8.8.8.8/in"])
def test_https_addresses_are_taken(url):
    assert check_url(f"  {url} ", local_http=False) == url


@pytest.mark.parametrize(("url", "local", "message"), [
    ("", False, "Enter the address to deliver events to"),
    ("http://hooks.example.org/", True, "The address must start with https://"),
    ("http://127.0.0.1:8000/", False, "The address must start with https://"),
    ("ftp://hooks.example.org/", False, "The address must start with https://"),
    ("https://user:pw@hooks.example.org/", False, "The address must not carry a user name"),
    ("https:///nohost", False, "Enter an address like https://example.org/hooks"),
    ("https://hooks.example.org:99999/", False, "Enter an address like"),
    ("https://hooks.example.org/a b", False, "Enter an address like"),
    ("https://hooks.example.org/" + "a" * 500, False, "Address must be 500 characters"),
    ("https://10.0.0.5/in", False, "not on a private network"),
    ("https://10.0.0.5/in", True, "not on a private network"),
    ("https://127.0.0.1/in", False, "not on a private network"),
    ("https://localhost/in", False, "not on a private network"),
    ("https://[::1]/in", False, "not on a private network"),
    ("https://169.254.169.254/latest", False, "not on a private network"),
    ("https://192.168.1.1/in", False, "not on a private network"),
])
def test_other_addresses_are_refused(url, local, message):
    with pytest.raises(DomainError, match=message):
        check_url(url, local_http=local)


@pytest.mark.parametrize("url", ["http://localhost:5000/in", "http://127.0.0.1/in",
                                 "https://127.0.0.1:8443/in", "https://localhost/in"])
def test_plain_http_to_this_machine_only_in_development(url):
    assert check_url(url, local_http=True) == url


def test_event_types_fit_the_organisation():
    assert "home_search.sent" in event_types_for("provider")
    assert "home_search.sent" not in event_types_for("authority")
    assert check_event_types(["offer.made", "offer.made"], "authority") == ["offer.made"]
    for types in ([], ["home_search.sent"], ["unknown"]):
        with pytest.raises(DomainError):
            check_event_types(types, "authority")


def test_a_removed_subscription_stays_removed():
    actor = Actor(uuid4(), uuid4())
    subscription = WebhookSubscription(id=uuid4(), organisation_id=actor.organisation_id,
                                       client_id=uuid4(), url="https://hooks.example.org/",
                                       event_types=["offer.made"], actor=actor, reason=None)
    with pytest.raises(DomainError, match="position of 1 or more"):
        subscription.request_replay(from_position=0, actor=actor, reason=None)
    subscription.request_replay(from_position=5, actor=actor, reason="Lost a day")
    subscription.remove(actor=actor, reason=None)
    for act in (lambda: subscription.remove(actor=actor, reason=None),
                lambda: subscription.request_replay(from_position=1, actor=actor,
                                                    reason=None)):
        with pytest.raises(IllegalTransition):
            act()
