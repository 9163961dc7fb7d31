"""The `portal` command: demo data, projections, accounts and serving."""

from __future__ import annotations

import json
import logging
import signal
import sys
import threading
from datetime import date

import click
import sqlalchemy as sa

from domain.errors import Conflict, DomainError
from domain.words import counted
from portal.cli_services import open_services, open_services_at, open_settings
from projections.database import ConfigurationError


class PortalCommands(click.Group):
    """Every command's refusal reaches the person as one clear line, never a traceback: a
    broken rule of the domain, and a change someone else made at the same moment (the command
    saved nothing and can be run again)."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except (DomainError, Conflict) as error:
            raise click.ClickException(error.message) from None


@click.group(cls=PortalCommands)
def main() -> None:
    """Sufficiency Portal: a regional collaboration portal for the sufficiency duty."""


# --- demo -----------------------------------------------------------------------------------

@main.group()
def demo() -> None:
    """The demo region: partner councils, providers, settings, vacancies and accounts."""


@demo.command("load")
@click.option("--if-empty", is_flag=True, help="Only load when the event store is empty.")
@click.option("--without-placements", is_flag=True,
              help="Leave out the children's placements, contracts and targets (quicker).")
def demo_load(if_empty: bool, without_placements: bool) -> None:
    """Load the demo region (idempotent: a second run adds nothing)."""
    from portal.demo.loader import load_demo

    svc = open_services()
    try:
        if if_empty and svc.portal.last_position() > 0:
            click.echo("The database already holds events; demo region not loaded.")
            return
        report = load_demo(svc.portal, svc.credentials.set_password,
                           svc.credentials.has_password,
                           child_refs=None if without_placements else svc.child_refs,
                           second_factors=svc.second_factors)
        svc.projections.catch_up()  # which signs a checkpoint of the log as loaded
        checkpoint = svc.checkpoints.create_if_grown() or svc.checkpoints.latest()
        click.echo(f"Demo region: {report.created} records created, {report.skipped} already "
                   f"there; event log at position {report.last_position}.")
        if checkpoint:
            click.echo(f"Audit checkpoint signed: {checkpoint.tree_size:,} events, root "
                       f"{checkpoint.root.hex()[:16]}…")
    finally:
        svc.close()


@demo.command("generate")
@click.option("--authorities", default=150, show_default=True, type=int)
@click.option("--children", default=85_000, show_default=True, type=int,
              help="Children whose placements the history records (as many vacancies too).")
@click.option("--years", default=10, show_default=True, type=int)
@click.option("--seed", default=2026, show_default=True, type=int,
              help="The same seed, sizes and day always give the same events.")
@click.option("--today", type=click.DateTime(["%Y-%m-%d"]), default=None,
              help="The history's last day (default: today).")
@click.option("--database", default=None, metavar="URL",
              help="Write into this database instead of DATABASE_URL's.")
def demo_generate(authorities: int, children: int, years: int, seed: int, today, database):
    """Generate a deterministic national history (synthetic authorities, providers, children's
    placements and vacancies) through the portal's application, then project it."""
    from portal.demo.national import Size, already_generated, generate
    from projections.timetravel import snapshot_if_due

    size = Size(authorities, children, years, seed,
                today.date() if today else date.today())
    if problems := size.problems():
        raise click.UsageError("; ".join(problems))
    svc = open_services_at(database, projections_inline=False)
    try:
        if already_generated(svc.portal):
            raise click.ClickException("This database already holds a generated national "
                                       "history; use an empty one.")
        with click.progressbar(length=size.steps, label="Generating",
                               show_pos=True, show_eta=True) as bar:
            report = generate(svc.portal, svc.child_refs, size, bar.update)
        click.echo(f"Generated {report.authorities} authorities, {report.providers:,} providers "
                   f"with {report.settings:,} settings, {report.children:,} children and "
                   f"{report.vacancies:,} vacancies; event log at position "
                   f"{report.last_position:,}.")
        # Projected as the projection process would: snapshots at its cadence, so "as at"
        # anywhere in the history starts from a nearby one.
        runner, head = svc.projections, svc.projections.head()
        every = svc.snapshot_cadence.events
        with click.progressbar(length=max(1, head), label="Projecting", show_eta=True) as bar:
            position = min(runner.positions().values())
            while position < head:
                position = min(position + every, head)
                runner.catch_up(until=position)
                snapshot_if_due(svc.engine, runner.projections.values(), svc.snapshot_key,
                                svc.snapshot_cadence)
                bar.update(max(0, position - bar.pos))
    finally:
        svc.close()


@demo.command("accounts")
@click.option("--json", "as_json", is_flag=True, help="Print as JSON.")
def demo_accounts_command(as_json: bool) -> None:
    """Print the demo sign-in accounts (demo passwords and authenticator keys only, never real
    ones)."""
    from portal.demo.loader import demo_accounts

    accounts = [a.public() for a in demo_accounts()]
    if as_json:
        click.echo(json.dumps(accounts, indent=2))
        return
    click.echo("Demo accounts (for trying the portal only). Each signs in with its password and")
    click.echo("a code from an authenticator app set up with its key (TOTP, 6 digits, 30 seconds):")
    for a in accounts:
        click.echo(f"  {a['role']:<16} {a['email']:<58} {a['password']:<24} {a['organisation']}")
        click.echo(f"  {'':<16} authenticator key {a['totp_secret']}")


# --- projections ----------------------------------------------------------------------------

@main.group()
def projections() -> None:
    """Read models built from the event log."""


@projections.command("status")
def projections_status() -> None:
    """How far each projection lags the event log, and which stopped at an event they could
    not apply (exit 3 if any did), with the version each one's tables were built with; one
    built with another version than its code's is rebuilt when the projection work starts
    (`portal projections run`, or `portal projections rebuild`)."""
    svc = open_services(upgrade=False)  # says what is there; rebuilds nothing
    try:
        lags = svc.projections.lags()
        built = {b.name: b for b in svc.projections.versions()}
        for lag in lags:
            line = f"{lag.name:<24} position {lag.position:>10,}  behind {lag.behind:>8,}"
            line += f"  {built[lag.name].describe()}"
            if not built[lag.name].current:
                line += ": REBUILD PENDING"
            if lag.failure is not None:
                f = lag.failure
                line += (f"  STOPPED at event {f.notification_id:,} ({f.event}): {f.error}; "
                         f"since {f.first_seen:%Y-%m-%d %H:%M} UTC, {f.attempts} attempt"
                         f"{'' if f.attempts == 1 else 's'}")
            click.echo(line)
        if any(not b.current for b in built.values()):
            click.echo("Projections pending a rebuild are rebuilt when the projection process "
                       "starts, or now with `portal projections rebuild`.", err=True)
        if any(lag.stopped for lag in lags):
            click.echo("Retry a stopped projection with `portal projections retry NAME`, once "
                       "what stopped it is fixed.", err=True)
            sys.exit(3)
    finally:
        svc.close()


@projections.command("retry")
@click.argument("name")
def projections_retry(name: str) -> None:
    """Try a stopped projection again from the event it stopped at (exit 3 if it still
    cannot apply it)."""
    svc = open_services()
    try:
        if name not in svc.projections.projections:
            known = ", ".join(svc.projections.projections)
            raise click.BadParameter(f"unknown projection {name}; known: {known}",
                                     param_hint="NAME")
        failure = svc.projections.retry(name)
        if failure is None:
            click.echo(f"{name} has caught up.")
            return
        click.echo(f"{name} still cannot apply event {failure.notification_id:,} "
                   f"({failure.event}): {failure.error}; it stays stopped there "
                   f"({failure.attempts} attempts).", err=True)
        sys.exit(3)
    finally:
        svc.close()


def _progress_printer():
    last: dict[str, int] = {}

    def progress(name: str, position: int, head: int) -> None:
        if position - last.get(name, 0) >= 10_000 or position >= head:
            last[name] = position
            click.echo(f"  {name}: {position:,} of {head:,}", err=True)

    return progress


@projections.command("rebuild")
@click.argument("names", nargs=-1)
def projections_rebuild(names: tuple[str, ...]) -> None:
    """Rebuild the named projections (default: all) from the whole log, in shadow tables
    swapped in at once when they have caught up. Those whose tables another version built
    are rebuilt with the named ones."""
    svc = open_services(upgrade=False)  # rebuilt below, once, with those named
    try:
        unknown = [n for n in names if n not in svc.projections.projections]
        if unknown:
            known = ", ".join(svc.projections.projections)
            raise click.BadParameter(f"unknown projection {', '.join(unknown)}; known: {known}",
                                     param_hint="NAMES")
        pending = [b for b in svc.projections.versions() if not b.current]
        for b in pending:
            click.echo(f"{b.name}: {b.describe()}; rebuilt as version {b.code_version}.",
                       err=True)
        if names:
            names = (*names, *(b.name for b in pending if b.name not in names))
        applied = svc.projections.rebuild(names or None, progress=_progress_printer())
        click.echo(f"Rebuilt {', '.join(names) or 'all projections'}: {applied:,} events applied.")
        stopped = [f for f in svc.projections.failures().values()
                   if not names or f.name in names]
        for f in stopped:
            click.echo(f"{f.name} stopped at event {f.notification_id:,} ({f.event}): "
                       f"{f.error}", err=True)
        if stopped:
            sys.exit(3)
    finally:
        svc.close()


@projections.command("run")
def projections_run() -> None:
    """Keep the projections up to date (the separate projection process in production)."""
    from portal.services.notices import run_notices

    portal_url = open_settings().portal_url  # the links in notice e-mails
    svc = open_services()
    # The checkpoints a killed predecessor signed but never copied to the witness file.
    svc.checkpoints.catch_up_witness()
    stop = threading.Event()

    def housekeeping() -> None:
        # Checkpoints at least every 15 minutes; snapshots for "as at" (Services.housekeeping).
        while not stop.wait(30):
            try:
                svc.housekeeping()
            except Exception:  # logged, retried on the next round
                logging.getLogger("portal.audit").exception("housekeeping failed")
            try:  # deadline reminders and notice e-mails (portal/services/notices.py)
                run_notices(svc, portal_url)
            except Exception:  # logged, retried on the next round
                logging.getLogger("portal.services.notices").exception("notices failed")

    threading.Thread(target=housekeeping, daemon=True, name="housekeeping").start()
    # Webhook deliveries, in a thread of their own: a slow receiver holds up nothing else.
    threading.Thread(target=_deliver_webhooks, args=(svc, stop), daemon=True,
                     name="webhooks").start()
    # SIGTERM (a service manager, portal serve-production) stops as Ctrl+C does: the batch in
    # hand is finished and recorded, then the process exits 0.
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    click.echo("Following the event log; press Ctrl+C to stop.")
    try:
        svc.projections.follow(stop)
    except KeyboardInterrupt:
        stop.set()
    finally:
        svc.close()


def _deliver_webhooks(svc, stop: threading.Event, interval: float = 5.0,
                      catch_up: bool = False) -> None:
    """Send due webhook deliveries every ``interval`` seconds until ``stop`` is set (bringing
    the projections up to date first when no projection process does)."""
    from portal.webhook_delivery import deliverer_for

    deliverer = deliverer_for(svc)
    while not stop.is_set():
        try:
            if catch_up:
                svc.projections.catch_up()
            deliverer.run_once()
        except Exception:  # logged, retried on the next round
            logging.getLogger("portal.webhook_delivery").exception("webhook delivery failed")
        stop.wait(interval)


# --- webhooks --------------------------------------------------------------------------------

@main.group()
def webhooks() -> None:
    """Webhook deliveries to organisations' systems."""


@webhooks.command("deliver")
@click.option("--once", is_flag=True, help="Send what is due now, then stop.")
def webhooks_deliver(once: bool) -> None:
    """Send the webhook deliveries that are due (and keep sending until stopped, unless
    --once); `portal projections run` does the same in its own thread."""
    from portal.webhook_delivery import deliverer_for

    svc = open_services()
    try:
        if once:
            svc.projections.catch_up()
            done = deliverer_for(svc).run_once(limit=10_000)
            click.echo(f"Queued {done.queued}, delivered {done.delivered}, to retry "
                       f"{done.retrying}, failed {done.failed}")
            return
        stop = threading.Event()
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
        click.echo("Delivering webhooks; press Ctrl+C to stop.")
        try:
            _deliver_webhooks(svc, stop, catch_up=open_settings().projections_inline)
        except KeyboardInterrupt:
            stop.set()
    finally:
        svc.close()


# --- audit -----------------------------------------------------------------------------------

@main.group()
def audit() -> None:
    """The verifiable log: checkpoints, verification and export."""


@audit.command("checkpoint")
def audit_checkpoint() -> None:
    """Bring the verifiable log up to date and sign a checkpoint of it now."""
    svc = open_services()
    try:
        svc.projections.catch_up()
        checkpoint = svc.checkpoints.create()
        if checkpoint is None:
            click.echo("The event log is empty: nothing to sign.")
            return
        click.echo(f"Checkpoint signed: {checkpoint.tree_size:,} events up to position "
                   f"{checkpoint.position:,}, root {checkpoint.root.hex()}")
    finally:
        svc.close()


@audit.command("public-key")
def audit_public_key() -> None:
    """Print this deployment's public key, for partners to check checkpoints with."""
    from projections.audit.signing import public_key_text

    svc = open_services()
    try:
        click.echo(public_key_text(svc.checkpoints.key.public_key))
    finally:
        svc.close()


def _print_report(report, what: str) -> None:
    if report.ok:
        pending = (f"; {report.pending:,} newer events not yet covered"
                   if report.pending else "")
        unsigned = getattr(report, "unsigned", 0)
        signed = (f"; {unsigned:,} events after the latest signed checkpoint (signed as "
                  "soon as the projections catch up)" if unsigned and not pending else "")
        click.echo(f"OK: {what}: {report.leaves_checked or report.events:,} events and "
                   f"{report.checkpoints_checked:,} signed checkpoints verified{pending}"
                   f"{signed}. Root {report.root.hex()}")
        return
    for problem in report.problems:
        where = f" at position {problem.position:,}" if problem.position is not None else ""
        click.echo(f"FAILED ({problem.kind}{where}): {problem.message}", err=True)
    sys.exit(1)


@audit.command("verify")
def audit_verify() -> None:
    """Recompute the log from the raw stored events and check every digest and checkpoint,
    and the database's checkpoints against the witness copy outside it.

    Exit 0 when all is well; 1 naming the first position that was altered, removed, inserted
    or reordered, or the checkpoints deleted from the database or missing from the witness."""
    from projections.audit.checkpoints import stored_checkpoints
    from projections.audit.witness import WitnessError, verify_deployment

    svc = open_services()
    try:
        with svc.engine.connect() as c:
            try:
                report = verify_deployment(svc.portal.recorder, c, stored_checkpoints(c),
                                           svc.checkpoints.witness_file,
                                           svc.checkpoints.key.public_key)
            except WitnessError as error:
                click.echo(f"FAILED (witness): {error}", err=True)
                sys.exit(1)
        _print_report(report, "event log")
    finally:
        svc.close()


@audit.command("export")
@click.argument("file", type=click.Path(dir_okay=False, writable=True))
def audit_export(file: str) -> None:
    """Write every event, its digest and every signed checkpoint to FILE as JSON lines."""
    from projections.audit.checkpoints import stored_checkpoints
    from projections.audit.export import write_export

    svc = open_services()
    try:
        svc.projections.catch_up()
        svc.checkpoints.create()
        with svc.engine.connect() as c, open(file, "w", encoding="utf-8") as out:
            events, checkpoints = write_export(out, svc.portal.recorder, c,
                                               stored_checkpoints(c),
                                               svc.checkpoints.key.public_key,
                                               svc.checkpoints.deployment)
        click.echo(f"Exported {events:,} events and {checkpoints:,} checkpoints to {file}")
    except OSError as error:
        raise click.ClickException(f"Cannot write {file}: {error.strerror}") from None
    finally:
        svc.close()


def _public_key(given: str):
    """--public-key: the key itself (base64 or PEM), or a file holding it."""
    from pathlib import Path

    from projections.audit.signing import load_public_key

    path = Path(given)
    return load_public_key(path.read_text() if path.is_file() else given)


@audit.command("verify-export")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--public-key", "public_key", required=True,
              help="The deployment's public key (base64), or a file holding it or a PEM block.")
def audit_verify_export(file: str, public_key: str) -> None:
    """Verify an export offline, with nothing but the deployment's public key."""
    from pathlib import Path

    from projections.audit.export import ExportError, verify_export
    from projections.audit.signing import AuditKeyError

    try:
        report = verify_export(Path(file), _public_key(public_key))
    except (AuditKeyError, ExportError) as error:
        click.echo(f"FAILED: {error}", err=True)
        sys.exit(1)
    _print_report(report, file)


@audit.command("prove")
@click.argument("position", type=click.IntRange(min=1))
@click.argument("file", type=click.Path(dir_okay=False, writable=True))
def audit_prove(position: int, file: str) -> None:
    """Write to FILE a proof that the event at POSITION is in the latest signed checkpoint."""
    from projections.audit.checkpoints import stored_checkpoints
    from projections.audit.proofs import ProofError, make_proof

    svc = open_services()
    try:
        with svc.engine.connect() as c:
            checkpoints = stored_checkpoints(c)
            if not checkpoints:
                raise click.ClickException("No checkpoint has been signed yet: run "
                                           "'portal audit checkpoint' first")
            try:
                proof = make_proof(svc.portal.recorder, c, checkpoints[-1], position)
            except ProofError as error:
                raise click.ClickException(str(error)) from None
        with open(file, "w", encoding="utf-8") as out:
            json.dump(proof, out, indent=1)
        click.echo(f"Proof for position {position:,} ({len(proof['proof'])} hashes) "
                   f"written to {file}")
    finally:
        svc.close()


@audit.command("verify-proof")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--public-key", "public_key", required=True,
              help="The deployment's public key (base64), or a file holding it or a PEM block.")
def audit_verify_proof(file: str, public_key: str) -> None:
    """Check an inclusion proof offline with the deployment's public key."""
    from pathlib import Path

    from projections.audit.proofs import check_proof
    from projections.audit.signing import AuditKeyError

    try:
        key = _public_key(public_key)
    except AuditKeyError as error:
        click.echo(f"FAILED: {error}", err=True)
        sys.exit(1)
    result = check_proof(Path(file).read_text(encoding="utf-8", errors="replace"), key)
    if not result.ok:
        click.echo(f"FAILED: {result.message}", err=True)
        sys.exit(1)
    click.echo(f"OK: {result.message}")


# --- time travel -------------------------------------------------------------------------------

def parse_moment(text: str, application) -> int:
    """A position (a whole number) or an ISO date-time, as a position in the event log."""
    from datetime import datetime

    from domain.timezone import LONDON
    from projections.timetravel import position_at

    text = text.strip()
    if text.isascii() and text.isdigit():
        return int(text)
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise click.BadParameter(
            f"{text!r} is neither a position nor a date-time like 2026-11-23T09:30",
            param_hint="--until") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=LONDON)
    return position_at(application, moment)


@main.command("replay")
@click.option("--until", "until", required=True,
              help="A position in the event log, or a date-time (Europe/London unless a zone "
                   "is given), e.g. 2026-11-23T09:30.")
@click.option("--into", "into", required=True,
              help="DATABASE_URL of an empty database to rebuild the read models into.")
@click.option("--from-start", is_flag=True,
              help="Replay from the first event instead of starting from snapshots.")
def replay(until: str, into: str, from_start: bool) -> None:
    """Rebuild every projection as it stood at a past moment into a separate database."""
    from projections.database import Database
    from projections.registry import all_projections
    from projections.timetravel import HistoryError, rebuild_as_at

    svc = open_services()
    try:
        try:
            target = Database.from_url(into)
        except ConfigurationError as error:
            raise click.BadParameter(str(error), param_hint="--into") from None
        if target.url == svc.database.url:
            raise click.BadParameter("must be another database than the portal's own",
                                     param_hint="--into")
        try:
            target.check_reachable()
        except Exception as error:
            raise click.ClickException(str(error)) from None
        engine = target.create_engine()
        if sa.inspect(engine).get_table_names():
            raise click.ClickException(f"{into} is not empty: replay only into an empty database")
        try:
            position = parse_moment(until, svc.portal)
            result = rebuild_as_at(svc.portal, svc.engine, all_projections(), position,
                                   key=svc.snapshot_key, use_snapshots=not from_start,
                                   target=engine,
                                   progress=_progress_printer())
        except HistoryError as error:
            raise click.ClickException(str(error)) from None
        starts = ", ".join(f"{name} from {start:,}" for name, start in result.started_from.items())
        click.echo(f"Replayed the history up to position {position:,} into {into} "
                   f"({starts}; {result.replayed:,} event applications).")
        engine.dispose()
    finally:
        svc.close()


@projections.command("snapshot")
def projections_snapshot() -> None:
    """Snapshot every projection now (the projection process also does this periodically)."""
    from projections.timetravel import take_snapshot

    svc = open_services()
    try:
        svc.projections.catch_up()
        for name, projection in svc.projections.projections.items():
            if not projection.snapshots:
                continue
            position = take_snapshot(svc.engine, projection, svc.snapshot_key)
            click.echo(f"{name}: snapshot at position {position or 0:,}")
    finally:
        svc.close()


# --- housekeeping ---------------------------------------------------------------------------

@main.command("expire-vacancies")
@click.option("--today", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="The date to expire against (default: today).")
def expire_vacancies(today) -> None:
    """Expire available vacancies whose expiry date has passed."""
    from projections.vacancies import vacancy_board

    svc = open_services()
    day = today.date() if today else date.today()
    try:
        with svc.engine.connect() as c:
            due = list(c.execute(sa.select(vacancy_board.c.id).where(
                vacancy_board.c.status == "available", vacancy_board.c.expires_on < day)).scalars())
        svc.portal.expire_vacancies(due, day)
        svc.projections.catch_up()
        click.echo(f"{counted(len(due), 'vacancy')} expired.")
    except DomainError as error:
        raise click.ClickException(error.message) from None
    finally:
        svc.close()


@main.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=click.IntRange(1, 65535), default=5000, show_default=True,
              envvar="PORT")
@click.option("--workers", type=click.IntRange(1, 32), default=2, show_default=True)
def serve(host: str, port: int, workers: int) -> None:
    """Serve the portal with gunicorn."""
    from gunicorn.app.wsgiapp import WSGIApplication

    sys.argv = ["gunicorn", "--bind", f"{host}:{port}", "--workers", str(workers),
                "--access-logfile", "-", "wsgi:app"]
    WSGIApplication("%(prog)s [OPTIONS] [APP_MODULE]").run()


# The production layout: web workers and the projection process (portal serve-production).
from portal.production import serve_production  # noqa: E402

main.add_command(serve_production)

# Postcode districts (portal reference ...) and national-standard exports (portal export ...).
from portal.reference.commands import export, reference  # noqa: E402

main.add_command(reference)
main.add_command(export)

# Returns (portal import ssda903 ...).
from portal.imports.cli import import_group  # noqa: E402

main.add_command(import_group)

# Tender notices: deadline reminders and their e-mails (portal notices run).
from portal.notices import notices_group  # noqa: E402

main.add_command(notices_group)


if __name__ == "__main__":  # pragma: no cover
    main()
