"""``portal serve-production``: gunicorn web workers that project nothing themselves and one
projection process that follows the log, on PostgreSQL; SIGTERM stops both cleanly, and one
process ending by itself stops the other."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

from portal.bootstrap import bootstrap
from tests.postgres.test_follow_postgres import eventually, on_board, publish
from tests.projections.scenario import build_region

pytestmark = pytest.mark.postgres
ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/healthz", timeout=2) as response:  # noqa: S310
            return response.status == 200
    except OSError:
        return False


def _children(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(p) for p in path.read_text().split()] if path.exists() else []


def _command_line(pid: int) -> str:
    return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()


@pytest.fixture
def production(postgres_url, tmp_path):
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    env = {**os.environ, "DATABASE_URL": postgres_url, "PORTAL_URL": url,
           "SECRET_KEY": "production-test-secret", "PORTAL_INSTANCE_DIR": str(tmp_path),
           "PROJECTIONS_INLINE": "true"}  # the command must turn it off for its processes
    process = subprocess.Popen(
        [sys.executable, "-m", "portal.cli", "serve-production", "--port", str(port),
         "--workers", "2"], cwd=ROOT, env=env, stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT, text=True)
    try:
        eventually(lambda: _healthy(url) or process.poll() is not None, 90,
                   "the production server did not answer")
        assert process.poll() is None, process.stdout.read()
        yield process
    finally:
        if process.poll() is None:
            process.kill()
            for child in _children(process.pid):
                os.kill(child, signal.SIGKILL)
        process.wait()


def test_the_projection_process_follows_and_sigterm_stops_everything_cleanly(
        production, postgres_url):
    svc = bootstrap(postgres_url, projections_inline=False)
    try:
        _, settings = build_region(svc.portal, providers=1, settings_per_provider=2)
        provider, setting, _ = next(s for s in settings if s[2] == "supported_accommodation")
        vacancy, _ = publish(svc.portal, provider, setting, fee=2300)
        # Nothing in this test projects: only the served layout's projection process can.
        eventually(lambda: on_board(svc, vacancy), 60,
                   "the projection process did not project the new vacancy")
    finally:
        svc.close()
    children = _children(production.pid)
    assert len(children) == 2
    production.send_signal(signal.SIGTERM)
    output, _ = production.communicate(timeout=60)
    assert production.returncode == 0, output
    assert "Following the event log" in output
    # The command waited for (and so reaped) both before it exited.
    assert not [child for child in children if Path(f"/proc/{child}").exists()]


def test_a_projection_process_that_dies_stops_the_web_server_too(production):
    projection = next(pid for pid in _children(production.pid)
                      if "projections run" in _command_line(pid))
    os.kill(projection, signal.SIGKILL)
    output, _ = production.communicate(timeout=60)
    assert production.returncode == 1
    assert "The projection process ended (exit -9); stopping the others." in output


def test_sqlite_is_refused_with_a_clear_message(tmp_path):
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'portal.db'}",
           "PORTAL_INSTANCE_DIR": str(tmp_path)}
    run = subprocess.run([sys.executable, "-m", "portal.cli", "serve-production"], cwd=ROOT,
                         env=env, capture_output=True, text=True, timeout=60)
    assert run.returncode == 1
    assert "serve-production runs on PostgreSQL" in run.stderr
