"""One SSDA903 import, from files on disk to events, shared by the command line and the web.

Stages, as progress reports them: ``checking`` (size, encoding, hash), ``reading`` (rows
checked; done and total are lines of the episodes file), ``applying`` (children saved; done and
total are children). A file that cannot be read at all is refused before anything is stored.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from uuid import UUID

from domain.actor import Actor
from domain.errors import PermissionDenied
from portal.bootstrap import Services
from portal.imports.apply import Applier, Progress, apply_return
from portal.imports.files import FileProblem, inspect
from portal.imports.reading import read_return
from portal.imports.report import Report
from portal.imports.ssda903 import RowChecker

KIND = "ssda903"
MAX_NAME = 200


@dataclass(frozen=True)
class Upload:
    path: Path
    name: str  # the name the person gave the file (only its last part is kept)

    @property
    def display_name(self) -> str:
        base = self.name.replace("\\", "/").rsplit("/", 1)[-1]
        cleaned = "".join(ch for ch in base if ch.isprintable()).strip()
        return (cleaned or "upload.csv")[:MAX_NAME]


def _quiet(stage: str, done: int, total: int) -> None:
    pass


def run_ssda903_import(svc: Services, *, authority_id: UUID, actor: Actor, episodes: Upload,
                       header: Upload | None = None, today: date | None = None,
                       progress: Progress = _quiet) -> Report:
    """Read, check and apply one return for ``authority_id``; returns the report. Raises
    NotFound for an unknown authority and PermissionDenied for an actor of another one."""
    authority = svc.portal.get_authority(authority_id)
    if actor.user_id is not None and actor.organisation_id != authority.id:
        # Checked before anything is saved (the import's record checks it again).
        raise PermissionDenied("You can only import your own authority's returns")
    today = today or date.today()
    report = Report(file_name=episodes.display_name,
                    header_name=header.display_name if header else None)
    progress("checking", 0, 0)
    try:
        episodes_file = inspect(episodes.path, report.file_name, "episodes file")
        header_file = (inspect(header.path, report.header_name, "header file")
                       if header is not None else None)
        report.file_sha256 = episodes_file.sha256
        report.header_sha256 = header_file.sha256 if header_file else None
        checker = RowChecker(svc.child_refs, authority.la_code, today)
        checked = read_return(episodes_file, header_file, checker, report, progress)
        if report.rows == 0:
            raise FileProblem("The episodes file has its column names but no rows")
    except FileProblem as problem:
        report.refuse(problem.message)
        return report

    def record(placements, children_changed: int, accepted: int, rejected: int) -> None:
        import_id, _ = svc.portal.record_import(
            actor, authority_id=authority.id, placements=placements,
            children_changed=children_changed, kind=KIND,
            file_name=report.file_name, file_sha256=report.file_sha256,
            header_sha256=report.header_sha256, rows=report.rows, accepted=accepted,
            rejected=rejected)
        report.import_id = str(import_id)

    applier = Applier(svc.portal, authority.id, actor, today,
                      reason=f"SSDA903 import {report.file_sha256[:12]}")
    apply_return(svc.portal, svc.engine, applier, checked, report, record, progress)
    return report
