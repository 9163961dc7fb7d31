"""A bounded asyncio HTTP load generator: ``clients`` concurrent clients, each sending one GET
after another (a new connection each, as gunicorn's sync workers close every connection) for
``seconds``, then requests/s and latency percentiles of the answers.

A request still running at the end is waited for, up to ``grace`` seconds more, so slow
answers count with their whole latency; one unanswered by then counts as unanswered (and
the server may still be working through it: restart it before measuring anything else).

Only the standard library: the client's own cost per request is small next to the server's,
and the same for every page and for the hello-world baseline it is compared with.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections import Counter
from dataclasses import dataclass, field

from tests.benchmarks.helpers import percentile


@dataclass
class Load:
    clients: int
    seconds: float
    latencies: list[float] = field(default_factory=list)  # of answered requests, in seconds
    statuses: Counter = field(default_factory=Counter)
    failures: int = 0  # no answer: refused, reset, or still unanswered after the grace
    body_bytes: int = 0  # the largest body answered (a page's size, as sent)

    @property
    def requests(self) -> int:
        return len(self.latencies)

    @property
    def per_second(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def ms(self, fraction: float) -> float:
        return percentile(self.latencies, fraction) * 1000 if self.latencies else float("nan")

    def summary(self) -> dict[str, object]:
        return {"clients": self.clients, "seconds": round(self.seconds, 1),
                "requests": self.requests, "per_second": round(self.per_second, 1),
                "p50_ms": round(self.ms(0.5), 1), "p95_ms": round(self.ms(0.95), 1),
                "p99_ms": round(self.ms(0.99), 1), "statuses": dict(self.statuses),
                "failures": self.failures, "body_bytes": self.body_bytes}


def request_bytes(host: str, port: int, path: str, headers: dict[str, str]) -> bytes:
    lines = [f"GET {path} HTTP/1.1", f"Host: {host}:{port}", "Connection: close",
             "Accept: text/html", *(f"{k}: {v}" for k, v in headers.items())]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


async def _one(host: str, port: int, message: bytes) -> tuple[int, int]:
    """The answer's status and its body's size."""
    reader, writer = await asyncio.open_connection(host, port)
    try:
        writer.write(message)
        await writer.drain()
        status_line = await reader.readline()
        rest = await reader.read()  # the rest, until the server closes the connection
        _, _, body = rest.partition(b"\r\n\r\n")
        return int(status_line.split()[1]), len(body)
    finally:
        writer.close()


async def _client(host: str, port: int, message: bytes, deadline: float, stop: float,
                  load: Load) -> None:
    while time.perf_counter() < deadline:
        started = time.perf_counter()
        try:
            status, size = await asyncio.wait_for(_one(host, port, message), stop - started)
        except (TimeoutError, OSError, IndexError, ValueError):
            load.failures += 1
            await asyncio.sleep(0.05)
            continue
        load.latencies.append(time.perf_counter() - started)
        load.statuses[status] += 1
        load.body_bytes = max(load.body_bytes, size)


async def _run(host: str, port: int, path: str, clients: int, seconds: float, grace: float,
               headers: dict[str, str]) -> Load:
    message = request_bytes(host, port, path, headers)
    started = time.perf_counter()
    load = Load(clients, seconds)
    await asyncio.gather(*(_client(host, port, message, started + seconds,
                                   started + seconds + grace, load) for _ in range(clients)))
    # Requests still running at the deadline finished (or gave up) since: the rate is over
    # the whole time taken.
    load.seconds = time.perf_counter() - started
    return load


def generate_load(host: str, port: int, path: str, *, clients: int, seconds: float,
                  grace: float | None = None, headers: dict[str, str] | None = None) -> Load:
    """Keep ``clients`` requests for ``path`` in flight for ``seconds`` (then wait up to
    ``grace``, by default as long again, for the last ones)."""
    return _in_own_loop(_run(host, port, path, clients, seconds,
                             seconds if grace is None else grace, headers or {}))


def _in_own_loop(coroutine):
    """``asyncio.run`` in a thread of its own: the caller's thread may already run an event
    loop (Playwright's sync API keeps one in a test session's main thread)."""
    result: dict = {}

    def run() -> None:
        try:
            result["value"] = asyncio.run(coroutine)
        except BaseException as error:  # raised again in the caller's thread
            result["error"] = error

    thread = threading.Thread(target=run, name="load-generator")
    thread.start()
    thread.join()
    if "error" in result:
        raise result["error"]
    return result["value"]


def fetch_together(host: str, port: int, path: str, *, clients: int, timeout: float,
                   headers: dict[str, str] | None = None) -> Counter:
    """``clients`` requests for ``path`` at once (one each): the statuses answered."""
    message = request_bytes(host, port, path, headers or {})

    async def each() -> Counter:
        answers = await asyncio.gather(*(asyncio.wait_for(_one(host, port, message), timeout)
                                         for _ in range(clients)))
        return Counter(status for status, _ in answers)

    return _in_own_loop(each())
