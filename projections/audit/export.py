"""Export the event log with its digests and signed checkpoints as JSON lines, and verify such
a file offline with nothing but the deployment's public key."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import IO
from uuid import UUID

import sqlalchemy as sa
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from domain.timezone import uk_moment
from projections.audit.checkpoints import Checkpoint
from projections.audit.log import audit_leaves, event_bytes
from projections.audit.merkle import Frontier, leaf_hash
from projections.audit.signing import key_id, public_key_text
from projections.audit.verify import PAGE, Problem, Report, check_checkpoint

FORMAT = "sufficiency-portal-audit-export/1"


def _originator_text(originator_id: UUID | str) -> str:
    if isinstance(originator_id, UUID):
        return f"uuid:{originator_id.hex}"
    return f"text:{originator_id}"


def _originator(text: str) -> UUID | str:
    kind, _, value = text.partition(":")
    if kind == "uuid":
        return UUID(hex=value)
    if kind == "text":
        return value
    raise ValueError("unknown originator id kind")


def write_export(out: IO[str], recorder, connection: sa.Connection,
                 checkpoints: list[Checkpoint], public_key: Ed25519PublicKey,
                 deployment: str) -> tuple[int, int]:
    """Write every stored event, its recorded digest and every checkpoint. Returns counts."""
    out.write(json.dumps({
        "type": "header", "format": FORMAT, "deployment": deployment,
        "key_id": key_id(public_key), "public_key": public_key_text(public_key),
        "exported_at": datetime.now(UTC).isoformat(),
    }) + "\n")
    digests = dict(connection.execute(sa.select(audit_leaves.c.position,
                                                audit_leaves.c.leaf_hash)).all())
    count, start = 0, 0
    while True:
        page = recorder.select_notifications(start=start, limit=PAGE, inclusive_of_start=False)
        for n in page:
            digest = digests.get(n.id)
            out.write(json.dumps({
                "type": "event", "position": n.id,
                "originator_id": _originator_text(n.originator_id),
                "originator_version": n.originator_version, "topic": n.topic,
                "state": base64.b64encode(n.state).decode(),
                "leaf": bytes(digest).hex() if digest is not None else None,
            }) + "\n")
            count += 1
        if len(page) < PAGE:
            break
        start = page[-1].id
    for checkpoint in checkpoints:
        out.write(json.dumps(checkpoint.as_json()) + "\n")
    out.write(json.dumps({"type": "end", "events": count,
                          "checkpoints": len(checkpoints)}) + "\n")
    return count, len(checkpoints)


class ExportError(ValueError):
    """The file is not a readable audit export."""


def _records(lines: Iterable[str]) -> Iterator[tuple[int, dict]]:
    try:
        yield from _parse(lines)
    except UnicodeDecodeError:
        raise ExportError("The file is not UTF-8 text: it is not an audit export, or it is "
                          "corrupt") from None


def _parse(lines: Iterable[str]) -> Iterator[tuple[int, dict]]:
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError:
            raise ExportError(f"Line {number} is not valid JSON: the file is corrupt") from None
        if not isinstance(record, dict) or "type" not in record:
            raise ExportError(f"Line {number} is not an audit export record")
        yield number, record


def verify_export(path: Path, public_key: Ed25519PublicKey) -> Report:
    """Check an export offline. Raises ExportError for an unreadable file; otherwise the
    report names the first problem, if any."""
    report = Report()
    try:
        handle = Path(path).open(encoding="utf-8")  # noqa: SIM115 - closed by the with below
    except OSError as error:
        raise ExportError(f"Cannot read {path}: {error.strerror}") from None
    with handle:
        records = _records(handle)
        first = next(records, None)
        if first is None or first[1].get("type") != "header" or \
                first[1].get("format") != FORMAT:
            raise ExportError(f"{path} is not a Sufficiency Portal audit export")
        header = first[1]
        if header.get("key_id") != key_id(public_key):
            raise ExportError(
                "The public key given does not match the key of the deployment that made this "
                f"export ({header.get('deployment')}, key {header.get('key_id')})")
        frontier, checkpoints, ended = Frontier(), [], None
        last_position, last_number = 0, first[0]
        for number, record in records:
            last_number = number
            kind = record["type"]
            try:
                if kind == "event":
                    if checkpoints:
                        raise ExportError(f"Line {number}: an event after the checkpoints")
                    position = int(record["position"])
                    if position <= last_position:
                        report.problems.append(Problem(
                            "reordered", position,
                            f"The event at position {position:,} (line {number}) is out of "
                            "order: events were reordered"))
                        return report
                    computed = leaf_hash(event_bytes(
                        position, _originator(record["originator_id"]),
                        int(record["originator_version"]), str(record["topic"]),
                        base64.b64decode(record["state"], validate=True)))
                    recorded = record.get("leaf")
                    if recorded is not None and bytes.fromhex(recorded) != computed:
                        report.problems.append(Problem(
                            "altered", position,
                            f"The event at position {position:,} (line {number}) does not "
                            "match its recorded digest: it was altered"))
                        return report
                    frontier.append(computed)
                    report.events += 1
                    last_position = position
                elif kind == "checkpoint":
                    checkpoint = Checkpoint.from_json(record)
                    if checkpoint.deployment != header.get("deployment"):
                        raise ExportError(
                            f"Line {number}: a checkpoint from another deployment "
                            f"({checkpoint.deployment}), not {header.get('deployment')}")
                    checkpoints.append(checkpoint)
                elif kind == "end":
                    ended = record
                    break
                else:
                    raise ExportError(f"Line {number}: unknown record type {kind!r}")
            except (KeyError, TypeError, ValueError, binascii.Error) as error:
                if isinstance(error, ExportError):
                    raise
                raise ExportError(f"Line {number} is malformed: the file is corrupt") from None
        if ended is None:
            raise ExportError(f"The file is truncated: it stops at line {last_number} "
                              "without its closing record")
        if ended.get("events") != report.events or ended.get("checkpoints") != len(checkpoints):
            raise ExportError("The file is truncated or corrupt: its closing record counts "
                              f"{ended.get('events')} events and {ended.get('checkpoints')} "
                              f"checkpoints, but it holds {report.events} and {len(checkpoints)}")
    if not checkpoints:
        raise ExportError("The export holds no signed checkpoint, so nothing in it can be "
                          "verified")
    return _check_roots(path, public_key, checkpoints, report)


def _check_roots(path: Path, public_key: Ed25519PublicKey, checkpoints: list[Checkpoint],
                 report: Report) -> Report:
    """Second pass: rebuild the tree and compare each checkpoint at its size."""
    for checkpoint in checkpoints:
        problem = check_checkpoint(checkpoint, public_key)
        if problem:
            report.problems.append(problem)
            return report
        if checkpoint.tree_size > report.events:
            report.problems.append(Problem(
                "truncated", None,
                f"A checkpoint covers {checkpoint.tree_size:,} events but the export holds "
                f"only {report.events:,}: events were removed"))
            return report
    wanted = sorted(checkpoints, key=lambda c: c.tree_size)
    frontier = Frontier()
    with Path(path).open(encoding="utf-8") as handle:
        for _, record in _records(handle):
            if record["type"] != "event":
                continue
            frontier.append(leaf_hash(event_bytes(
                int(record["position"]), _originator(record["originator_id"]),
                int(record["originator_version"]), str(record["topic"]),
                base64.b64decode(record["state"], validate=True))))
            while wanted and wanted[0].tree_size == frontier.size:
                checkpoint = wanted.pop(0)
                report.checkpoints_checked += 1
                if checkpoint.root != frontier.root() or checkpoint.position != int(
                        record["position"]):
                    report.problems.append(Problem(
                        "checkpoint", int(record["position"]),
                        f"The first {frontier.size:,} events do not match the checkpoint signed "
                        f"at {uk_moment(checkpoint.signed_at)}: history up to position "
                        f"{int(record['position']):,} was rewritten"))
                    return report
            if not wanted:
                break
    report.root = frontier.root()
    report.pending = report.events - max(c.tree_size for c in checkpoints)
    return report
