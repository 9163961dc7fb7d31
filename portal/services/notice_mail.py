"""Sending notices by e-mail, once each: the one delivery loop every kind of notice uses.

A message is claimed in the shared ``notice_mail`` ledger (notice, account) before it is sent,
so two runner processes never send it twice; a message whose sending fails is released, to be
tried again on the next run."""
from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from projections.notices import notice_mail

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Letter:
    """One notice's e-mail to one account. ``kind`` names the notice in log lines (never the
    address, the subject or anything about a child)."""
    notice_id: object
    account_id: object
    email: str
    subject: str
    body: str
    kind: str


def already_sent(c: sa.Connection, notice_ids: list) -> set[tuple]:
    """The (notice, account) pairs the ledger holds for these notices."""
    if not notice_ids:
        return set()
    return {(r.notice_id, r.account_id) for r in c.execute(
        sa.select(notice_mail).where(notice_mail.c.notice_id.in_(notice_ids)))}


def deliver(services, letters: Iterable[Letter], *, sent_before: set[tuple], now: datetime,
            template: str) -> tuple[int, int]:
    """Send each letter not sent before and not claimed by another process meanwhile.
    Returns (sent, failed)."""
    sent = failed = 0
    for letter in letters:
        key = (letter.notice_id, letter.account_id)
        if key in sent_before or not _claim(services.engine, *key, now):
            continue  # sent already, or another process has it
        try:
            services.mailer.send(letter.email, letter.subject, letter.body, template)
        except Exception:
            log.exception("notice e-mail failed", extra={"kind": letter.kind})
            _release(services.engine, *key)
            failed += 1
            continue
        sent += 1
    return sent, failed


def _claim(engine: sa.Engine, notice, account, now: datetime) -> bool:
    """Claim (notice, account) in the shared e-mail ledger: False when already claimed."""
    try:
        with engine.begin() as c:
            c.execute(notice_mail.insert().values(notice_id=notice, account_id=account,
                                                  sent_at=now))
    except sa.exc.IntegrityError:
        return False
    return True


def _release(engine: sa.Engine, notice, account) -> None:
    with engine.begin() as c:
        c.execute(notice_mail.delete().where(notice_mail.c.notice_id == notice,
                                             notice_mail.c.account_id == account))
