"""The witness copy of the checkpoints, kept outside the database, held against the database's.

Checkpoints are signed as soon as the log grows, and each is stored in the database and
appended to the witness file (``AUDIT_WITNESS_FILE``). So, on a deployment that holds events:

- the witness file must exist, and hold every checkpoint the database holds (a checkpoint only
  in the database means the witness was truncated or replaced);
- the database must hold every checkpoint the witness holds (one only in the witness means
  checkpoints were deleted from the database, usually to hide a rewritten or shortened log);
- a log with events and no checkpoint anywhere has had both deleted: the events themselves
  are the marker that the deployment signed, since every command's events are signed once its
  projections catch up. (A deployment upgraded from before checkpoints existed signs its first
  with ``portal audit checkpoint``.)

What this cannot see is a witness cut back *together with* the database's checkpoints and the
events after them: only copies held elsewhere (each partner's auditor downloading the
checkpoints) show that, which is why partners keep them.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

from domain.timezone import uk_moment
from projections.audit.checkpoints import Checkpoint
from projections.audit.verify import Problem, Report, verify_log


class WitnessError(ValueError):
    """The witness file cannot be read as checkpoints."""


def read_witness(path: Path) -> list[Checkpoint] | None:
    """The checkpoints in the witness file, in its order; None when there is no such file."""
    path = Path(path)
    if not path.exists():
        return None
    found = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        try:
            found.append(Checkpoint.from_json(json.loads(line)))
        except (ValueError, KeyError, TypeError):
            raise WitnessError(f"line {number} of the witness copy {path} is not a "
                               "checkpoint: it is corrupt") from None
    return found


def _identity(checkpoint: Checkpoint) -> tuple:
    return (checkpoint.deployment, checkpoint.tree_size, checkpoint.position, checkpoint.root,
            checkpoint.signed_at, checkpoint.key_id, checkpoint.signature)


def _describe(checkpoint: Checkpoint) -> str:
    return (f"the checkpoint of {checkpoint.tree_size:,} events signed at "
            f"{uk_moment(checkpoint.signed_at)}")


def _beyond(checkpoints: list[Checkpoint], extra: Counter) -> list[Checkpoint]:
    """The checkpoints counted in ``extra`` (one copy each time it is counted)."""
    extra = Counter(extra)
    found = []
    for checkpoint in checkpoints:
        if extra[_identity(checkpoint)] > 0:
            extra[_identity(checkpoint)] -= 1
            found.append(checkpoint)
    return found


def compare(database: list[Checkpoint], witness: list[Checkpoint] | None, path: Path,
            events: int) -> Problem | None:
    """The first way the database's checkpoints and the witness copy disagree, or the log
    holds events no checkpoint was ever kept for; None when they agree."""
    if witness is None:
        if database:
            return Problem("witness", None,
                           f"The witness copy {path} is missing, but the database holds "
                           f"{len(database):,} signed checkpoints: the witness was deleted or "
                           "moved (restore it from a backup, or compare the database with a "
                           "partner's copy of the checkpoints)")
        if events:
            return Problem("witness", None,
                           f"The event log holds {events:,} events but there is no signed "
                           f"checkpoint in the database and no witness copy at {path}: the log "
                           "is signed after every change, so both were deleted")
        return None
    # As multisets: a checkpoint signed twice in one second is the same line twice.
    in_witness = Counter(_identity(cp) for cp in witness)
    in_database = Counter(_identity(cp) for cp in database)
    deleted = _beyond(witness, in_witness - in_database)
    if deleted:
        latest = max(deleted, key=lambda cp: cp.tree_size)
        return Problem("checkpoint", latest.position,
                       f"The witness copy holds {len(deleted):,} signed checkpoints the "
                       f"database no longer has (the latest, {_describe(latest)}): checkpoints "
                       "were deleted from the database")
    missing = _beyond(database, in_database - in_witness)
    if missing:
        latest = max(missing, key=lambda cp: cp.tree_size)
        return Problem("witness", latest.position,
                       f"The witness copy {path} is shorter than the database's checkpoints: "
                       f"it lacks {len(missing):,} of them (the latest, {_describe(latest)}): "
                       "it was truncated or replaced")
    if events and not database:
        return Problem("witness", None,
                       f"The event log holds {events:,} events but neither the database nor "
                       f"the witness copy {path} holds a signed checkpoint: the log is signed "
                       "after every change, so checkpoints were deleted from both")
    return None


def verify_deployment(recorder, connection, database: list[Checkpoint], path: Path,
                      public_key) -> Report:
    """Everything ``portal audit verify`` checks: the log against every checkpoint held in
    the database or the witness copy, then the two copies against each other. Raises
    WitnessError when the witness file is corrupt."""
    witness = read_witness(path)
    held = {_identity(cp): cp for cp in [*database, *(witness or [])]}
    report = verify_log(recorder, connection, list(held.values()), public_key)
    problem = compare(database, witness, path, recorder.max_notification_id() or 0)
    if problem is not None:
        report.problems.append(problem)
    return report
