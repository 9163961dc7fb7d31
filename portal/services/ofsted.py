"""The Ofsted register import of the portal application (a mixin of
:class:`~portal.services.application.Portal`). Only a platform administrator, or the system
itself (the command line, the demo loader), imports the register."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError

from domain.actor import Actor
from domain.errors import PermissionDenied
from domain.ofsted import OfstedRegistration, RegisterEntry, closing_reason, registration_id
from domain.vacancy import Vacancy
from portal.services.clashes import retried_on_clash


@dataclass(frozen=True)
class RegisterImported:
    registrations_changed: int  # URNs with at least one new event
    events: int  # facts that changed, one event each (vacancies closed not counted)
    vacancies_closed: int
    position: int


class OfstedCommands:
    """Needs ``repository``, ``_save``, ``last_position`` and ``organisation_kind`` (Portal)."""

    def check_register_importer(self, actor: Actor) -> None:
        if actor.user_id is not None and (
                actor.organisation_id is None
                or self.organisation_kind(actor.organisation_id) != "platform"):
            raise PermissionDenied("Only a platform administrator can import Ofsted's register")

    def get_ofsted_registration(self, urn: str) -> OfstedRegistration | None:
        try:
            found = self.repository.get(registration_id(urn))
        except AggregateNotFoundError:
            return None
        return found if isinstance(found, OfstedRegistration) else None

    @retried_on_clash
    def import_ofsted_register(self, actor: Actor, *, entries: list[RegisterEntry],
                               open_vacancies: dict[str, list[UUID]],
                               reason: str) -> RegisterImported:
        """Bring each URN's registration up to date with its row of the register, and close
        the open vacancies (``open_vacancies``: by URN, of the settings carrying it) of every
        setting whose registration has just been suspended, resigned or cancelled. Everything
        is saved in one transaction: the import is whole or not at all. A row that says what
        the portal holds stores nothing, so importing the same file again changes nothing."""
        self.check_register_importer(actor)
        changed: list[OfstedRegistration] = []
        closed: list[Vacancy] = []
        events = 0
        for entry in entries:
            registration = self.get_ofsted_registration(entry.urn)
            if registration is None:
                registration = OfstedRegistration.start(entry.urn, actor=actor, reason=reason)
            stopped = registration.update(entry, actor=actor, reason=reason)
            pending = len(registration.pending_events)
            if pending:
                changed.append(registration)
                events += pending
            if stopped:
                why = closing_reason(entry.registration_status, entry.urn)
                for vacancy_ref in open_vacancies.get(entry.urn, ()):
                    vacancy = self.get_vacancy(vacancy_ref)
                    if vacancy.is_open:
                        vacancy.withdraw(actor=actor, reason=why)
                        closed.append(vacancy)
        position = self._save(*changed, *closed) if changed or closed else self.last_position()
        return RegisterImported(registrations_changed=len(changed), events=events,
                                vacancies_closed=len(closed), position=position)
