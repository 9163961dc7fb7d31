"""The in-house fostering commands of the portal application (a mixin of
:class:`~portal.services.application.Portal`): an authority's monthly fostering returns,
recorded, corrected or imported from a file. Only an officer of the authority (or the system:
the demo loader, the command line) acts for it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError

from domain.actor import Actor
from domain.errors import DomainError, PermissionDenied, Refused
from domain.fostering import FosteringService, first_of_month, fostering_service_id, month_label
from domain.organisation import Authority
from portal.services.clashes import retried_on_clash


@dataclass(frozen=True)
class ReturnsImported:
    recorded: int  # months recorded for the first time
    corrected: int  # months whose return the file changed
    unchanged: int
    position: int


class FosteringCommands:
    """Needs ``repository``, ``_get``, ``_save``, ``last_position`` and ``today`` (Portal)."""

    @staticmethod
    def _check_fostering_officer(actor: Actor, authority_id: UUID) -> None:
        if actor.user_id is not None and actor.organisation_id != authority_id:
            raise PermissionDenied("You can only record your own authority's fostering returns")

    def get_fostering_service(self, authority_id: UUID) -> FosteringService | None:
        try:
            found = self.repository.get(fostering_service_id(authority_id))
        except AggregateNotFoundError:
            return None
        return found if isinstance(found, FosteringService) else None

    def _fostering_service(self, actor: Actor, authority_id: UUID) -> FosteringService:
        self._check_fostering_officer(actor, authority_id)
        service = self.get_fostering_service(authority_id)
        if service is None:
            self._get(authority_id, Authority, "authority")
            service = FosteringService.start(authority_id, actor=actor)
        return service

    @retried_on_clash
    def record_fostering_return(self, actor: Actor, authority_id: UUID, *,
                                month: date | None, figures: dict[str, Any],
                                today: date | None = None) -> int:
        """The authority's fostering return for a month not yet recorded."""
        service = self._fostering_service(actor, authority_id)
        service.record_return(month, figures, today=today or self.today(), actor=actor)
        return self._save(service)

    @retried_on_clash
    def correct_fostering_return(self, actor: Actor, authority_id: UUID, *,
                                 month: date | None, figures: dict[str, Any],
                                 reason: str | None, today: date | None = None) -> int:
        """Replace a month's recorded return, with the reason. Nothing is stored when the
        figures are those held."""
        service = self._fostering_service(actor, authority_id)
        changed = service.correct_return(month, figures, today=today or self.today(),
                                         actor=actor, reason=reason)
        return self._save(service) if changed else self.last_position()

    @retried_on_clash
    def import_fostering_returns(self, actor: Actor, authority_id: UUID, *,
                                 returns: list[tuple[date, dict[str, int]]], file_name: str,
                                 reason: str | None = None,
                                 today: date | None = None) -> ReturnsImported:
        """Every month of a file, in one save: a month not yet recorded is recorded, one whose
        figures differ is corrected (which needs ``reason``), one the same is left alone. A
        refusal stores nothing: the import is whole or not at all."""
        if not returns:
            raise DomainError("The file has no returns", field="file")
        service = self._fostering_service(actor, authority_id)
        today = today or self.today()
        changed = [first_of_month(m) for m, figures in returns
                   if service.returns.get(first_of_month(m).isoformat()) not in (None, figures)]
        if changed and not (reason or "").strip():
            months = ", ".join(month_label(m) for m in changed)
            raise Refused({"reason": f"The file changes the return already recorded for "
                                     f"{months}: enter the reason for the correction"})
        recorded = corrected = unchanged = 0
        for month, figures in returns:
            held = service.returns.get(first_of_month(month).isoformat())
            if held is None:
                service.record_return(month, figures, today=today, actor=actor,
                                      file_name=file_name)
                recorded += 1
            elif held != figures:
                service.correct_return(month, figures, today=today, actor=actor,
                                       reason=reason, file_name=file_name)
                corrected += 1
            else:
                unchanged += 1
        position = self._save(service) if recorded or corrected else self.last_position()
        return ReturnsImported(recorded=recorded, corrected=corrected, unchanged=unchanged,
                               position=position)
