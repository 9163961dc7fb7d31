"""One import of Ofsted's register, from a file on disk to events, shared by the command line,
the administrators' upload page and the demo loader.

The file is read and every row checked first; a file with any row that cannot be read is
refused whole (every such row listed), so nothing is ever half imported. The rows whose URN a
setting of the directory carries are compared with what the read model holds, and only those
that say something new are handed to the use case
(:meth:`~portal.services.ofsted.OfstedCommands.import_ofsted_register`), which checks them
against the store itself and saves every change in one transaction. URNs no setting carries
are listed as candidate new settings for the administrator to add.
"""

from __future__ import annotations

import time
from datetime import date
from uuid import UUID

from domain.actor import Actor
from domain.ofsted import NOT_REGISTERED, RegisterEntry
from portal.bootstrap import Services
from portal.imports.files import FileProblem, inspect
from portal.imports.ofsted import Candidate, RegisterReport, RowChecker, register_rows
from portal.imports.run import Upload
from projections.quality_queries import (
    directory_urns,
    held_entries,
    open_vacancies,
    organisation_names,
)

WHAT = "register file"


def read_register(upload: Upload, report: RegisterReport, today: date
                  ) -> list[RegisterEntry] | None:
    """Every row checked; None (with the report saying why) when the file is refused."""
    try:
        file = inspect(upload.path, report.file_name, WHAT)
        report.file_sha256 = file.sha256
        checker = RowChecker(today)
        entries = []
        for line, values in register_rows(file):
            report.rows += 1
            entry, problems = checker.check(line, values)
            for problem in problems:
                report.add(problem)
            if entry is not None:
                entries.append(entry)
        if report.rows == 0:
            raise FileProblem(f"The {WHAT} has its column names but no rows")
    except FileProblem as problem:
        report.refused = problem.message
        return None
    if report.problems or report.unlisted:
        rows = report.bad_rows
        report.refused = (f"{rows:,} row{' cannot' if rows == 1 else 's cannot'} be read. "
                          "Correct the file and import it again")
        return None
    return entries


# Ofsted's provider subtypes and types, as the portal's setting types.
SETTING_TYPES_OF = {"children's home providing short breaks only": "short_breaks",
                    "children's home": "childrens_home",
                    "residential family centre": "parent_and_child",
                    "supported accommodation": "supported_accommodation",
                    "independent fostering agency": "independent_fostering_agency"}


def _candidate(entry: RegisterEntry, names: dict[str, dict[str, UUID]]) -> Candidate:
    d = entry.details
    kinds = (d["provider_subtype"].casefold(), d["provider_type"].casefold())
    return Candidate(urn=entry.urn, setting_name=d["setting_name"],
                     provider_type=d["provider_type"], local_authority=d["local_authority"],
                     places=entry.places, owner=d["owner"],
                     provider_id=names["provider"].get(d["owner"].casefold()),
                     host_authority_id=names["authority"].get(d["local_authority"].casefold()),
                     setting_type=next((SETTING_TYPES_OF[k] for k in kinds
                                        if k in SETTING_TYPES_OF), None))


def run_register_import(svc: Services, *, actor: Actor, upload: Upload,
                        today: date | None = None) -> RegisterReport:
    """Read, check and apply one register file; returns the report. Raises PermissionDenied
    for anyone but a platform administrator (or the system)."""
    started = time.perf_counter()
    svc.portal.check_register_importer(actor)
    report = RegisterReport(file_name=upload.display_name)
    entries = read_register(upload, report, today or date.today())
    if entries is None:
        return report
    with svc.engine.connect() as c:
        carried = directory_urns(c)
        matched = [e for e in entries if e.urn in carried]
        held = held_entries(c, [e.urn for e in matched])
        changed = [e for e in matched
                   if e.urn not in held or not held[e.urn].unchanged_by(e)]
        stopping = {e.urn: carried[e.urn] for e in changed
                    if e.registration_status in NOT_REGISTERED}
        vacancies = open_vacancies(c, stopping)
        names = organisation_names(c)
    report.matched = len(matched)
    report.candidates = [_candidate(e, names) for e in entries if e.urn not in carried]
    if changed:
        done = svc.portal.import_ofsted_register(
            actor, entries=changed, open_vacancies=vacancies,
            reason=f"Ofsted register import {report.file_name} ({report.file_sha256[:12]})")
        report.registrations_changed = done.registrations_changed
        report.events = done.events
        report.vacancies_closed = done.vacancies_closed
        report.position = done.position
    report.seconds = time.perf_counter() - started
    return report
