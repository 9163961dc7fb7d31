"""Answering a write with the record as the read model shows it, without ever denying it.

A command stores events and returns the log position of the last; the answer is read from the
projections, so the view first waits (up to five seconds) for them to reach that position.
When the projection process is restarting, or far behind, they may not: the record is stored
but cannot be read yet. Answering 404 then (or an answer without what was just done) tells the
client its write did not happen, and it gives up on a write that was in fact stored. Every
API view that waits then reads goes through :func:`read_written`, which answers 503 instead:
the record was stored, read it at its address (``Location``) shortly, or retry with the same
``Idempotency-Key``, which stores nothing more and is answered with the record.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from domain.errors import NotFound
from portal.api.problems import ApiProblem
from portal.security import services

T = TypeVar("T")

# Seconds a client is asked to wait: a restarting projection process is back within a few.
RETRY_AFTER = "2"
# How the OpenAPI description names this answer (with the service's other 503, "busy").
STORED_NOT_READABLE = ("The service is busy (nothing was saved), or the record was stored "
                       "but cannot be read back yet: its address is in Location, and the "
                       "detail says whether to retry with the same Idempotency-Key or read "
                       "it there")


def not_yet_readable(what: str, location: str, *, again: bool = True) -> ApiProblem:
    """The answer to a write that was stored but cannot be read back yet. ``again``: a retry
    with the same Idempotency-Key finds what the first run stored (the command takes its new
    record's id from the key) and is answered with it; otherwise sending the request again
    would be refused (the record has moved on), so the client is told to read it instead."""
    then = ("Retry with the same Idempotency-Key (nothing more is stored) or read it at its "
            "address in a few seconds." if again else
            "Do not send it again: read it at its address in a few seconds.")
    return ApiProblem("busy", f"The {what} was stored, but the portal's views have not caught "
                      f"up with it yet. {then}", headers={
                          "Retry-After": RETRY_AFTER, "Location": location})


def read_written(position: int | None, read: Callable[[], T], *, what: str, location: str,
                 shows: Callable[[T], bool] | None = None, again: bool = True) -> T:
    """``read()`` once the projections have reached ``position`` (``None``: a plain read).

    If they have not within the wait, a read that finds nothing (``NotFound``), or whose
    result ``shows`` says lacks the write (an offer on a search that was already there), is
    answered 503 with ``Retry-After`` and ``location`` (the record's address) rather than
    404 or a stale answer. Once the projections are caught up, ``NotFound`` is the truth and
    is raised as it is. ``what`` names the record in the problem's detail (never a child's
    details: the API's problems are shown to the client and may be logged); ``again`` as for
    :func:`not_yet_readable`."""
    caught_up = position is None or services().projections.wait_for(position)
    try:
        found = read()
    except NotFound:
        if caught_up:
            raise
        raise not_yet_readable(what, location, again=again) from None
    if not caught_up and shows is not None and not shows(found):
        raise not_yet_readable(what, location, again=again)
    return found
