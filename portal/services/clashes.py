"""Version clashes: two requests changing one record at the same moment.

A command loads its record (an aggregate at some version), changes it and saves. When another
request saved the same record between that load and this save, the event store refuses the
save, since that version is already taken (eventsourcing's ``RecordConflictError``, an
``IntegrityError``): nothing of it is stored, and the data stays correct. A command marked
``@retried_on_clash`` is then run once more from the start: it loads the record as it now is,
so the domain's rules are checked again against the other request's change (the second fill of
a one-place vacancy is refused as already filled, like any fill of a filled vacancy). If it
clashes again, or a command that cannot be run again clashes, the person is told the record
changed and to reload (:class:`domain.errors.Conflict`, a 409 page), never an error of the
portal.

A command is safe to run again when all it does is load, change and save through the event
store (every command of :class:`portal.services.application.Portal` but ``record_import`` and
``save_imported``, which save aggregates the importer loaded, and the few that retry their own
way).
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import TypeVar

from eventsourcing.persistence import RecordConflictError

from domain.errors import Conflict

log = logging.getLogger(__name__)
C = TypeVar("C", bound=Callable)


def retried_on_clash(command: C) -> C:
    """Run ``command`` once more on a version clash; a second clash is a :class:`Conflict`."""

    @functools.wraps(command)
    def run(self, *args, **kwargs):
        try:
            return command(self, *args, **kwargs)
        except RecordConflictError:
            log.info("version clash, running the command again",
                     extra={"command": command.__name__})
        try:
            return command(self, *args, **kwargs)
        except RecordConflictError:
            log.info("version clash again", extra={"command": command.__name__})
            raise Conflict() from None

    return run  # type: ignore[return-value]
