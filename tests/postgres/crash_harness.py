"""Crash safety, tested by killing: gunicorn web workers and the projection process are killed
with SIGKILL while clients publish vacancies over HTTP, again and again; then

- every write acknowledged to a client (201 with the vacancy's id) is in the event store;
- no idempotency key created more than one vacancy (clients retry a lost reply with the same
  key, as the API asks them to);
- the projections, restarted after each kill, catch up with no gap and no duplicate: the read
  models then match, row for row, a rebuild of the whole log;
- ``portal audit verify`` passes over the whole store.

The layout is the production one: PostgreSQL, gunicorn with ``PROJECTIONS_INLINE=false`` and a
separate ``portal projections run`` process (restarted by the harness after each of its kills,
as a service manager would; gunicorn's master restarts its own workers).
Used by ``tests/postgres/test_crash_safety.py`` (a handful of kills) and ``make bench`` (hundreds).
"""

from __future__ import annotations

import json
import os
import random
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from uuid import UUID, uuid4

import sqlalchemy as sa

from portal.bootstrap import bootstrap
from projections.vacancies import provider_vacancies as vacancy_rows
from tests.projections.scenario import build_region, dump

ROOT = Path(__file__).resolve().parents[2]
WRITERS = 4  # clients, each with its own key (the API's rate limit is per client)
# Once the kills stop, how long a key in hand may take to be answered: a claim left by a
# killed worker is taken over after 15 s, and the projection process restarts and catches up.
SETTLE = 120


@dataclass
class Outcome:
    kills_web: int = 0
    kills_projection: int = 0
    requests: int = 0
    acknowledged: int = 0
    retried: int = 0
    given_up: int = 0  # keys never acknowledged: refused, or unanswered 120 s after the kills
    # Each such key's answers in order (HTTP status, None: no reply), to tell why.
    unanswered: list[list[int | None]] = field(default_factory=list)
    lost: list[str] = field(default_factory=list)  # acknowledged, not in the store
    duplicated: list[str] = field(default_factory=list)  # keys with more than one vacancy
    rebuild_matches: bool = False
    differing_tables: list[str] = field(default_factory=list)
    verify_exit: int | None = None
    verify_output: str = ""
    seconds: float = 0.0
    answers: dict = field(default_factory=dict)  # HTTP status (None: no reply) -> count

    @property
    def safe(self) -> bool:
        return (not self.lost and not self.duplicated and self.rebuild_matches
                and self.verify_exit == 0)


def run(database_url: str, instance: Path, *, kills: int, seed: int = 7,
        between: tuple[float, float] = (0.8, 1.6)) -> Outcome:
    """Kill ``kills`` times (web workers and the projection process in turn, at random
    moments) while the writers publish, then check everything above."""
    started = time.monotonic()
    outcome = Outcome()
    setting, keys = _prepare(database_url)
    port = _free_port()
    base_url = f"http://127.0.0.1:{port}"
    env = {**os.environ, "DATABASE_URL": database_url, "PORTAL_URL": base_url,
           "SECRET_KEY": "crash-harness-secret", "PORTAL_INSTANCE_DIR": str(instance),
           "PROJECTIONS_INLINE": "false",
           # Workers end a request after 10 s, so a key claimed by a killed worker is taken
           # over by a retry 15 s on (a retry sooner is told the first is still running).
           "IDEMPOTENCY_CLAIM_SECONDS": "15"}
    web = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}", "--workers", "2",
         "--timeout", "10", "wsgi:app"], cwd=ROOT, env=env,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    projection = _start_projection(env)
    acknowledged: dict[str, str] = {}  # idempotency key -> vacancy id
    stop = threading.Event()
    counts = {"requests": 0, "retried": 0, "given_up": 0, "answers": {}, "unanswered": []}
    lock = threading.Lock()
    try:
        _wait_until(lambda: _answers(base_url), 120, "the web server did not start")
        writers = [threading.Thread(
            target=_write, args=(base_url, key, setting, stop, acknowledged, counts, lock),
            daemon=True) for key in keys]
        for writer in writers:
            writer.start()
        rng = random.Random(seed)
        for n in range(kills):
            time.sleep(rng.uniform(*between))
            if n % 2 == 0:
                workers = _children(web.pid)
                if workers:
                    os.kill(rng.choice(workers), signal.SIGKILL)
                    outcome.kills_web += 1
            else:
                projection.kill()
                projection.wait()
                outcome.kills_projection += 1
                projection = _start_projection(env)
        time.sleep(1)  # a last burst of writes after the last kill
        stop.set()
        for writer in writers:
            writer.join(SETTLE + 40)  # each finishes the key in hand, answered or given up
        outcome.requests, outcome.retried, outcome.given_up = (
            counts["requests"], counts["retried"], counts["given_up"])
        outcome.unanswered = counts["unanswered"]
        outcome.acknowledged = len(acknowledged)
        outcome.answers = dict(counts["answers"])
        _check(database_url, env, acknowledged, outcome)
    finally:
        stop.set()
        for process in (web, projection):
            if process.poll() is None:
                process.terminate()
                try:
                    process.wait(30)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()
    outcome.seconds = time.monotonic() - started
    return outcome


def _prepare(database_url: str) -> tuple[UUID, list[str]]:
    svc = bootstrap(database_url, projections_inline=True)
    try:
        _, settings = build_region(svc.portal, providers=1, settings_per_provider=2)
        provider, setting, _ = next(s for s in settings if s[2] == "supported_accommodation")
        keys = [svc.portal.api_clients.create(
            organisation_id=provider, name=f"Writer {n}", roles=["provider_user"],
            created_by=uuid4())[1] for n in range(WRITERS)]
    finally:
        svc.close()
    return setting, keys


def _start_projection(env: dict) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "portal.cli", "projections", "run"],
                            cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)


def _write(base_url, api_key, setting, stop, acknowledged, counts, lock) -> None:
    """Publish vacancies one after another; a lost reply (connection error, 5xx) or a key still
    in progress is retried with the same key until it is answered, as the API asks clients
    to. While the kills go on a key may take many rounds (each kill of the worker holding it
    costs the claim's 15 s); once they stop, the servers recover and every key in hand must
    be answered within ``SETTLE`` seconds. A refusal (another 4xx) is never retried."""
    while not stop.is_set():
        key = str(uuid4())
        body = json.dumps({
            "setting_id": str(setting), "age_from": 16, "age_to": 18, "needs_met": [],
            "weekly_fee": 2100, "places": 1, "available_from": "2027-01-04",
            "description": f"crash {key}"}).encode()
        settled_by = None
        first = True
        statuses: list[int | None] = []
        while True:
            with lock:
                counts["requests"] += 1
                counts["retried"] += 0 if first else 1
            first = False
            status, answer = _post(base_url, api_key, key, body)
            statuses.append(status)
            with lock:
                counts["answers"][status] = counts["answers"].get(status, 0) + 1
            if status == 201:
                with lock:
                    acknowledged[key] = answer["id"]
                break
            if stop.is_set() and settled_by is None:
                settled_by = time.monotonic() + SETTLE
            refused = status is not None and status < 500 and status not in (409, 429)
            if refused or (settled_by is not None and time.monotonic() > settled_by):
                with lock:
                    counts["given_up"] += 1
                    counts["unanswered"].append(statuses)
                break
            time.sleep(0.2)


def _post(base_url, api_key, key, body):
    request = urllib.request.Request(  # noqa: S310 (the harness's own http:// server)
        f"{base_url}/api/v1/vacancies", data=body, method="POST", headers={
            "Authorization": f"Bearer {api_key}", "Idempotency-Key": key,
            "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, None
    except (OSError, ValueError):  # connection reset or refused, truncated reply
        return None, None


def _check(database_url: str, env: dict, acknowledged: dict, outcome: Outcome) -> None:
    svc = bootstrap(database_url, projections_inline=False)
    try:
        head = svc.portal.last_position()
        _wait_until(lambda: min(svc.projections.positions().values()) >= head, 300,
                    "the restarted projection process did not catch up")
        for key, vacancy_id in acknowledged.items():
            try:
                stored = svc.portal.get_vacancy(UUID(vacancy_id))
            except Exception:
                outcome.lost.append(key)
                continue
            if stored.description != f"crash {key}":
                outcome.lost.append(key)
        caught_up = dump(svc.engine)
    finally:
        svc.close()
    # The rebuild: a fresh process clears and replays every projection from the whole log.
    rebuilt = subprocess.run([sys.executable, "-m", "portal.cli", "projections", "rebuild"],
                             cwd=ROOT, env=env, capture_output=True, text=True, timeout=900)
    if rebuilt.returncode != 0:
        raise AssertionError(f"rebuild failed: {rebuilt.stderr[-2000:]}")
    svc = bootstrap(database_url, projections_inline=False)
    try:
        after = dump(svc.engine)
        with svc.engine.connect() as c:
            per_key = c.execute(
                sa.select(vacancy_rows.c.description, sa.func.count())
                .where(vacancy_rows.c.description.like("crash %"))
                .group_by(vacancy_rows.c.description)
                .having(sa.func.count() > 1)).all()
        outcome.duplicated = [description.removeprefix("crash ") for description, _ in per_key]
    finally:
        svc.close()
    outcome.differing_tables = sorted(name for name in set(caught_up) | set(after)
                                      if caught_up.get(name) != after.get(name))
    outcome.rebuild_matches = not outcome.differing_tables
    verified = subprocess.run([sys.executable, "-m", "portal.cli", "audit", "verify"],
                              cwd=ROOT, env=env, capture_output=True, text=True, timeout=900)
    outcome.verify_exit = verified.returncode
    outcome.verify_output = (verified.stdout + verified.stderr)[-2000:]


def _children(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(p) for p in path.read_text().split()] if path.exists() else []


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _answers(base_url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{base_url}/healthz", timeout=2):  # noqa: S310
            return True
    except urllib.error.HTTPError:
        return True  # answering, if not healthy
    except OSError:
        return False


def _wait_until(check, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} within {timeout} s")
        time.sleep(0.1)
