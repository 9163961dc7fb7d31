"""`portal webhooks deliver --once`: brings the projections up to date, sends what is due to a
real receiver and says how it went; a second run sends nothing again."""

from __future__ import annotations

from domain.actor import Actor
from portal.bootstrap import bootstrap
from portal.cli import main
from tests.projections.home_search_world import worked_example_search
from tests.projections.test_home_search_offers import DEADLINE, NOW
from tests.projections.test_search_notices import history
from tests.web.cli_fixtures import command_line
from tests.web.test_webhook_delivery import Receiver, subscribed


def test_deliver_once_sends_what_is_due(databases, tmp_path, monkeypatch):
    url = databases.new(tmp_path, "cli")
    runner = command_line(monkeypatch, url, tmp_path)
    # The receiver listens on plain http at 127.0.0.1: allowed by default on SQLite only.
    monkeypatch.setenv("WEBHOOKS_ALLOW_LOCAL_HTTP", "true")
    receiver = Receiver()
    try:
        svc = bootstrap(url, instance=tmp_path)
        try:
            world, _ids = history(svc)
            subscribed(svc, world.providers["Weald Homes"], receiver.url,
                       ["home_search.sent", "offer.accepted"])
            # After the subscription, a new search is sent to Weald (not yet projected).
            search = worked_example_search(svc.portal, world, child_ref="CAAAAAAAAAAA3")
            svc.portal.send_home_search(Actor(None, world.kent), search,
                                        provider_ids=[world.providers["Weald Homes"]],
                                        offers_close_at=DEADLINE, now=NOW)
        finally:
            svc.close()
        first = runner.invoke(main, ["webhooks", "deliver", "--once"])
        assert first.exit_code == 0, first.output
        assert "Queued 1, delivered 1, to retry 0, failed 0" in first.output
        again = runner.invoke(main, ["webhooks", "deliver", "--once"])
        assert "Queued 0, delivered 0, to retry 0, failed 0" in again.output
        assert len(receiver.received) == 1
        assert receiver.received[0]["headers"]["Webhook-Event"] == "home_search.sent"
    finally:
        receiver.close()
