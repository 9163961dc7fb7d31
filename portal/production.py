"""``portal serve-production``: the production layout in one command.

gunicorn's web workers (``PROJECTIONS_INLINE=false``: they never apply events themselves) and one
``portal projections run`` process that follows the event log, both on the PostgreSQL database of
``DATABASE_URL``. SIGTERM (or Ctrl+C) is passed to both; each stops cleanly (gunicorn finishes
the requests in hand, the projection process its batch) and the command exits 0. If either
process ends on its own, the other is stopped too and the command exits 1 naming it, so a
service manager restarts the pair rather than running a portal whose read models stand still.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading

import click

from portal.cli_services import open_settings
from projections.database import Database

GRACE_SECONDS = 30


@click.command("serve-production")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=click.IntRange(1, 65535), default=8000, show_default=True,
              envvar="PORT")
@click.option("--workers", type=click.IntRange(1, 32), default=2, show_default=True)
def serve_production(host: str, port: int, workers: int) -> None:
    """Serve with gunicorn web workers and one projection process (PostgreSQL only)."""
    settings = open_settings()  # refuses a PostgreSQL database without PORTAL_URL
    if Database.from_url(settings.database_url).is_sqlite:
        raise click.ClickException(
            "serve-production runs on PostgreSQL: set DATABASE_URL=postgresql://... "
            "(use `portal serve` for the SQLite file)")
    env = {**os.environ, "PROJECTIONS_INLINE": "false"}
    processes = {
        "projection process": subprocess.Popen(
            [sys.executable, "-m", "portal.cli", "projections", "run"], env=env),
        # An argument list, no shell: the host is the operator's own option.
        "web server": subprocess.Popen(  # noqa: S603
            [sys.executable, "-m", "gunicorn", "--bind", f"{host}:{port}",
             "--workers", str(workers), "--graceful-timeout", str(GRACE_SECONDS - 5),
             "--access-logfile", "-", "wsgi:app"], env=env),
    }
    sys.exit(supervise(processes))


def supervise(processes: dict[str, subprocess.Popen], poll_seconds: float = 0.5) -> int:
    """Wait until asked to stop (SIGTERM, SIGINT) or until a process ends by itself; then stop
    the others. 0 when asked and every process stopped cleanly, else 1."""
    asked = threading.Event()
    for number in (signal.SIGTERM, signal.SIGINT):
        signal.signal(number, lambda *_: asked.set())
    ended = None
    while not asked.wait(poll_seconds):
        ended = next((name for name, p in processes.items() if p.poll() is not None), None)
        if ended:
            click.echo(f"The {ended} ended (exit {processes[ended].returncode}); stopping "
                       "the others.", err=True)
            break
    for process in processes.values():
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
    clean = True
    for name, process in processes.items():
        try:
            code = process.wait(timeout=GRACE_SECONDS)
        except subprocess.TimeoutExpired:
            click.echo(f"The {name} did not stop within {GRACE_SECONDS} s: killed.", err=True)
            process.kill()
            code = process.wait()
        clean = clean and code == 0
    return 0 if asked.is_set() and clean and ended is None else 1
