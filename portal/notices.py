"""``portal notices run``: the scheduled job that issues deadline reminders, closes home searches
at their offers deadline, starts the placements of accepted offers on their start day, and
e-mails tender and home search notices (the use case is ``portal/services/notices.py``)."""

from __future__ import annotations

import click

from portal.cli_services import open_services, open_settings
from portal.services.notices import run_notices


@click.group("notices")
def notices_group() -> None:
    """Notices: tender deadline reminders, home search deadlines and placements, e-mails."""


@notices_group.command("run")
def notices_run() -> None:
    """Issue due deadline reminders, close home searches past their offers deadline, start
    placements due today, and e-mail new notices: tender and home search notices to providers
    and officers, saved-search notices to officers (idempotent: run it from cron, say every 15
    minutes; a notice is e-mailed to each user once however often it runs)."""
    portal_url = open_settings().portal_url
    svc = open_services()
    try:
        outcome = run_notices(svc, portal_url)
    finally:
        svc.close()
    click.echo(f"{outcome.reminders} deadline reminder{'s' if outcome.reminders != 1 else ''} "
               f"issued; {outcome.closed} home search{'es' if outcome.closed != 1 else ''} "
               f"closed to offers; {outcome.started} placement{'s' if outcome.started != 1 else ''}"
               f" started; {outcome.mailed} e-mail{'s' if outcome.mailed != 1 else ''} sent"
               + (f", {outcome.failed} failed (tried again next run)" if outcome.failed else ""))
    if outcome.not_started:
        click.echo(f"{outcome.not_started} accepted offer{'s' if outcome.not_started != 1 else ''}"
                   " could not start as recorded: the officer must record the placement",
                   err=True)
    if outcome.failed:
        raise SystemExit(3)
