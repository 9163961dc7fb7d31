"""``portal notices run``: the scheduled job that issues deadline reminders and e-mails tender
notices (the use case is ``portal/services/notices.py``)."""

from __future__ import annotations

import click

from portal.cli_services import open_services, open_settings
from portal.services.notices import run_notices


@click.group("notices")
def notices_group() -> None:
    """Tender notices to providers: deadline reminders and e-mails."""


@notices_group.command("run")
def notices_run() -> None:
    """Issue due deadline reminders and e-mail new notices, tender notices to providers and
    saved-search notices to officers (idempotent: run it from cron, say
    every 15 minutes; a notice is e-mailed to each user once however often it runs)."""
    portal_url = open_settings().portal_url
    svc = open_services()
    try:
        outcome = run_notices(svc, portal_url)
    finally:
        svc.close()
    click.echo(f"{outcome.reminders} deadline reminder{'s' if outcome.reminders != 1 else ''} "
               f"issued; {outcome.mailed} e-mail{'s' if outcome.mailed != 1 else ''} sent"
               + (f", {outcome.failed} failed (tried again next run)" if outcome.failed else ""))
    if outcome.failed:
        raise SystemExit(3)
