"""`portal import ssda903 --authority CODE EPISODES.csv [--header HEADER.csv]`."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import click

from domain.actor import Actor
from domain.errors import NotFound
from portal.imports.files import MAX_FILE_TEXT
from portal.imports.report import HEADER, Report
from portal.imports.run import Upload, run_ssda903_import

STAGES = {"checking": "Checking the files", "reading": "Reading rows",
          "applying": "Applying children"}
# Exit status: every row imported; some rows rejected (the rest imported); nothing imported.
EXIT_OK, EXIT_REFUSED, EXIT_SOME_REJECTED = 0, 1, 3


class ProgressBars:
    """One click progress bar per stage (shown on a terminal; quiet otherwise)."""

    def __init__(self) -> None:
        self._stage: str | None = None
        self._bar = None
        self._done = 0

    def __call__(self, stage: str, done: int, total: int) -> None:
        if stage != self._stage:
            self.close()
            self._stage, self._done = stage, 0
            self._bar = click.progressbar(length=max(total, 1), label=STAGES.get(stage, stage),
                                          file=sys.stderr)
            self._bar.__enter__()
        if done > self._done:
            self._bar.update(done - self._done)
            self._done = done

    def close(self) -> None:
        if self._bar is not None:
            self._bar.__exit__(None, None, None)
            self._bar = None


def print_report(report: Report) -> None:
    for p in report.sorted_problems():
        where = "Header file" if p.file == HEADER else "Episodes file"
        line = f" line {p.line}" if p.line else ""
        column = f" ({p.column})" if p.column else ""
        click.echo(f"{where}{line}{column}: {p.reason}")
    for sentence in report.summary():
        click.echo(sentence)
    if report.import_id:
        click.echo(f"Recorded as import {report.import_id}.")


@click.group("import")
def import_group() -> None:
    """Import an authority's returns into the portal."""


HELP = f"""Import an SSDA903 episodes table (CSV, up to {MAX_FILE_TEXT}) for one authority.

Every rejected row is listed with its line number and reason; the other rows are applied.
Importing the same file again changes nothing. The import is recorded as run by the system.

Exit status: 0 every row was imported; 3 some rows were rejected and the rest imported;
1 nothing was imported (the file was refused, or the authority is unknown)."""


@import_group.command("ssda903", help=HELP)
@click.option("--authority", "la_code", required=True, metavar="CODE",
              help="The authority's DfE LA code, for example 838 for Dorset.")
@click.option("--header", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="The header table (CHILD, SEX, DOB, ...) or the UASC table (CHILD, SEX, "
                   "DOB, DUC): needed for children new to the portal.")
@click.argument("episodes", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def ssda903(la_code: str, header: Path | None, episodes: Path) -> None:
    from portal.cli_services import open_services

    if not re.fullmatch(r"\d{3}", la_code.strip()):
        raise click.BadParameter("must be a DfE LA code: three digits, like 838",
                                 param_hint="--authority")
    svc = open_services()
    bars = ProgressBars()
    try:
        svc.projections.catch_up()  # the read models know the authority's children
        try:
            authority = svc.portal.get_authority(la_code.strip())
        except NotFound:
            raise click.ClickException(f"There is no authority with DfE LA code {la_code} in "
                                       "the portal") from None
        try:
            report = run_ssda903_import(
                svc, authority_id=authority.id, actor=Actor.system(),
                episodes=Upload(episodes, episodes.name),
                header=Upload(header, header.name) if header else None, progress=bars)
        finally:
            bars.close()
        click.echo(f"SSDA903 import for {authority.name} ({authority.la_code}):")
        print_report(report)
        if not report.ok:
            sys.exit(EXIT_REFUSED)
        svc.projections.catch_up()
        checkpoint = svc.checkpoints.create()
        if checkpoint:
            click.echo(f"Audit checkpoint signed: {checkpoint.tree_size:,} events, root "
                       f"{checkpoint.root.hex()[:16]}…")
    finally:
        svc.close()
    sys.exit(EXIT_SOME_REJECTED if report.rejected else EXIT_OK)


def print_register_report(report) -> None:
    for p in report.problems:
        line = f"Line {p.line}" if p.line else "The file"
        column = f" ({p.column})" if p.column else ""
        click.echo(f"{line}{column}: {p.reason}")
    if report.unlisted:
        click.echo(f"{report.unlisted:,} more problems are counted but not listed.")
    for sentence in report.summary():
        click.echo(sentence)
    for c in report.candidates:
        where = c.local_authority or "no local authority given"
        click.echo(f"Not in the directory: URN {c.urn}, {c.setting_name or 'no name'} "
                   f"({c.provider_type or 'type not given'}, {where}). Add it as a setting "
                   "to import its judgements.")


REGISTER_HELP = f"""Import Ofsted's register of children's social care providers and
inspections (CSV in Ofsted's published layout, up to {MAX_FILE_TEXT}).

Each fact that changed for a URN a setting of the directory carries is recorded as an event;
every inspection is kept. A suspended, resigned or cancelled registration closes the
setting's open vacancies. URNs no setting carries are listed as candidate new settings.
A file with any row that cannot be read imports nothing: every such row is listed. Importing
the same file again changes nothing.

Exit status: 0 imported (or nothing to change); 1 nothing was imported."""


@import_group.command("ofsted", help=REGISTER_HELP)
@click.argument("providers", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def ofsted(providers: Path) -> None:
    from portal.cli_services import open_services
    from portal.imports.register import run_register_import

    svc = open_services()
    try:
        svc.projections.catch_up()  # the directory and the held registrations are current
        report = run_register_import(svc, actor=Actor.system(),
                                     upload=Upload(providers, providers.name))
        click.echo(f"Ofsted register import of {report.file_name}:")
        print_register_report(report)
        if not report.ok:
            sys.exit(EXIT_REFUSED)
        svc.projections.catch_up()
    finally:
        svc.close()
    sys.exit(EXIT_OK)


FOSTERING_HELP = """Import an authority's monthly in-house fostering returns (CSV in the
portal's layout: MONTH, then one column for each figure; the fostering page offers a sample).

A month not yet recorded is recorded; a month whose figures the file changes is corrected,
which needs --reason; a month the same is left alone. A file with any row that cannot be read
imports nothing: every such row is listed by line and column.

Exit status: 0 imported (or nothing to change); 1 nothing was imported."""


@import_group.command("fostering", help=FOSTERING_HELP)
@click.option("--authority", "la_code", required=True, metavar="CODE",
              help="The authority's DfE LA code, for example 838 for Dorset.")
@click.option("--reason", default=None, help="Why the file corrects months already recorded.")
@click.argument("returns", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def fostering(la_code: str, reason: str | None, returns: Path) -> None:
    from domain.errors import DomainError
    from portal.cli_services import open_services
    from portal.imports.fostering import read_returns

    svc = open_services()
    try:
        try:
            authority = svc.portal.get_authority(la_code.strip())
        except NotFound:
            raise click.ClickException(
                f"There is no authority with DfE LA code {la_code} in the portal") from None
        read = read_returns(returns, returns.name, today=svc.portal.today())
        for p in read.problems:
            where = f"Line {p.line}" if p.line else "The file"
            click.echo(f"{where}{f' ({p.column})' if p.column else ''}: {p.reason}")
        if not read.ok:
            click.echo("Nothing was imported.")
            sys.exit(EXIT_REFUSED)
        try:
            done = svc.portal.import_fostering_returns(
                Actor.system(), authority.id, returns=read.returns, file_name=returns.name,
                reason=reason)
        except DomainError as error:
            click.echo(f"{getattr(error, 'errors', {}).get('reason', error.message)}. "
                       "Nothing was imported.")
            sys.exit(EXIT_REFUSED)
        click.echo(f"{authority.name}: {done.recorded} recorded, {done.corrected} corrected, "
                   f"{done.unchanged} unchanged.")
        svc.projections.catch_up()
    finally:
        svc.close()
    sys.exit(EXIT_OK)
