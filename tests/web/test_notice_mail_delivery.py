"""The one delivery loop every kind of notice's e-mail goes through: once per (notice, account),
a failed send released to be tried again, a pair claimed elsewhere left alone."""
from __future__ import annotations

import uuid
from datetime import UTC, datetime
from types import SimpleNamespace

import sqlalchemy as sa

from portal.services.notice_mail import Letter, already_sent, deliver
from projections.notices import notice_mail

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


class FlakyMailer:
    """Fails the first message to each address in ``failing``, then sends."""

    def __init__(self, failing: set[str]):
        self.failing = set(failing)
        self.sent: list[tuple[str, str]] = []

    def send(self, to, subject, body, template):
        if to in self.failing:
            self.failing.discard(to)
            raise OSError("the mail server did not answer")
        self.sent.append((to, subject))


def _services(failing=()):
    engine = sa.create_engine("sqlite://")
    notice_mail.create(engine)
    return SimpleNamespace(engine=engine, mailer=FlakyMailer(set(failing)))


def _letters(notice, *accounts):
    return [Letter(notice, account, f"{n}@example.org", "Subject", "Body", "kind")
            for n, account in enumerate(accounts)]


def test_each_letter_is_sent_once_across_runs():
    services = _services()
    notice, a, b = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    letters = _letters(notice, a, b)
    assert deliver(services, letters, sent_before=set(), now=NOW, template="t") == (2, 0)
    with services.engine.connect() as c:
        ledger = already_sent(c, [notice])
    assert ledger == {(notice, a), (notice, b)}
    assert deliver(services, letters, sent_before=ledger, now=NOW, template="t") == (0, 0)
    # even a stale view of the ledger sends nothing twice: the claim itself refuses
    assert deliver(services, letters, sent_before=set(), now=NOW, template="t") == (0, 0)
    assert len(services.mailer.sent) == 2


def test_a_failed_send_is_released_and_sent_on_the_next_run():
    services = _services(failing={"0@example.org"})
    notice, a, b = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    letters = _letters(notice, a, b)
    assert deliver(services, letters, sent_before=set(), now=NOW, template="t") == (1, 1)
    with services.engine.connect() as c:
        assert already_sent(c, [notice]) == {(notice, b)}
        assert already_sent(c, []) == set()
    assert deliver(services, letters, sent_before=set(), now=NOW, template="t") == (1, 0)
    assert [to for to, _ in services.mailer.sent] == ["1@example.org", "0@example.org"]
