"""`make bench`'s own tools on a tiny run (no timing is asserted): the bounded load generator
counts answers, statuses and unanswered requests; the table names every figure's baseline,
target and verdict, and the machine's load."""

from __future__ import annotations

import math
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from tests.benchmarks.load import fetch_together, generate_load
from tests.benchmarks.table import Row, Run, render, write


class Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = b"Hello, world!" if self.path == "/" else b"Not here"
        self.send_response(200 if self.path == "/" else 404)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
        self.server.seen.append(self.headers.get("Cookie"))  # type: ignore[attr-defined]

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def server():
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.seen = []  # type: ignore[attr-defined]
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd
    httpd.shutdown()
    httpd.server_close()


def test_load_generator_counts_answers_and_statuses(server):
    port = server.server_address[1]
    load = generate_load("127.0.0.1", port, "/", clients=3, seconds=0.3,
                         headers={"Cookie": "session=abc"})
    assert load.requests > 0
    assert load.statuses == {200: load.requests}
    assert load.failures == 0
    assert load.per_second > 0
    assert 0 < load.ms(0.5) <= load.ms(0.95) <= load.ms(0.99)
    assert set(server.seen) == {"session=abc"}  # every request carried the session
    summary = load.summary()
    assert summary["clients"] == 3
    assert summary["requests"] == load.requests
    assert load.body_bytes == summary["body_bytes"] == len(b"Hello, world!")

    missing = generate_load("127.0.0.1", port, "/elsewhere", clients=2, seconds=0.2)
    assert set(missing.statuses) == {404}

    assert fetch_together("127.0.0.1", port, "/", clients=2, timeout=10) == {200: 2}


def test_load_generator_counts_what_no_server_answers():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again: nothing listens there
    load = generate_load("127.0.0.1", port, "/", clients=2, seconds=0.2)
    assert load.requests == 0
    assert load.failures > 0
    assert math.isnan(load.ms(0.95))


def test_table_names_baselines_targets_verdicts_and_load(tmp_path):
    run = Run(started_at="2026-12-06 08:00 UTC", machine="test machine", cpus=2,
              load_start=(3.5, 2.0, 1.0), load_end=(4.25, 3.0, 2.0), seconds=90,
              notes=["PostgreSQL was not measured."])
    rows = [
        Row("write path", "publish a vacancy", "1,000 events/s", "1,500 native saves/s",
            "0.667x", ">= 0.7x", False, load=3.5),
        Row("HTTP", "board | page", "90 req/s", "hello 300 req/s", "0.300x", ">= 0.2x", True,
            load=4.0),
        Row("memory", "web worker peak RSS", "180 MiB", load=4.2),
    ]
    text = write(tmp_path / "RESULTS.md", run, rows)
    assert (tmp_path / "RESULTS.md").read_text() == text
    assert "at the start: 3.5, 2.0, 1.0; at the end: 4.25, 3.0, 2.0" in text
    assert "Targets: 1 met, 1 not met." in text
    assert "took 1.5 minutes" in text
    assert ("| write path | publish a vacancy | 1,000 events/s | 1,500 native saves/s | 0.667x"
            " | >= 0.7x | **NOT MET** | 3.5 |") in text
    assert "| HTTP | board \\| page | 90 req/s |" in text  # a cell's bar cannot split the row
    assert "| memory | web worker peak RSS | 180 MiB | none | n/a | none | no target | 4.2 |" \
        in text
    assert "- PostgreSQL was not measured." in text
    assert render(run, rows) == text
