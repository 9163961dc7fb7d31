"""Supply commands of the portal application (a mixin of
:class:`~portal.services.application.Portal`): an authority's own (in-house) settings and their
registration pipeline, and its places in development. Only the authority's own officers (or
the system: the command line, the demo loader) act for it."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any
from uuid import UUID

from domain.actor import Actor
from domain.contract import Contract
from domain.development import Development
from domain.errors import DomainError, NotFound, PermissionDenied, Refused, check_version
from domain.in_house import check_in_house_setting_type, check_stage_change, in_house_provider_id
from domain.organisation import Authority, Provider
from domain.tender import Tender
from domain.vacancy import Vacancy
from portal.services.clashes import retried_on_clash


def closing_reason(setting_name: str) -> str:
    return f"The council closed {setting_name}: it no longer takes children"


class SupplyCommands:
    """Needs ``_get``, ``_save``, ``_create``, ``exists``, ``today`` and ``get_vacancy``
    (Portal)."""

    @staticmethod
    def _check_own_authority(actor: Actor, authority_id: UUID) -> None:
        if actor.user_id is not None and actor.organisation_id != authority_id:
            raise PermissionDenied("You can only record your own authority's provision")

    def in_house_provider(self, authority_id: UUID) -> Provider | None:
        ref = in_house_provider_id(authority_id)
        return self._get(ref, Provider, "provider") if self.exists(ref) else None

    @retried_on_clash
    def add_in_house_setting(self, actor: Actor, *, authority_id: UUID, name: str,
                             setting_type: str, postcode_district: str,
                             registered_places: int, stage: str, on: date, reason: str | None,
                             ofsted_urn: str | None = None,
                             today: date | None = None) -> tuple[UUID, int]:
        """A home or service the authority runs itself, with its first stage of the
        registration pipeline (planned, or where it already stands). Its in-house provider is
        registered with the first one."""
        self._check_own_authority(actor, authority_id)
        authority = self._get(authority_id, Authority, "authority")
        provider = self.in_house_provider(authority_id)
        if provider is None:
            provider = Provider.register_in_house(authority, actor=actor)
        today = today or self.today()
        found: dict[str, str] = {}
        for check in (lambda: check_in_house_setting_type(setting_type),
                      lambda: check_stage_change(None, stage, on, since=None, today=today,
                                                 reason=reason)):
            try:
                check()
            except Refused as error:
                found.update(error.errors)
            except DomainError as error:
                found[error.field] = error.message
        try:
            setting = provider.add_setting(
                name=name, setting_type=setting_type, ofsted_urn=ofsted_urn,
                host_authority_id=authority_id, postcode_district=postcode_district,
                registered_places=registered_places, actor=actor, reason=reason)
        except DomainError as error:
            found = {error.field or "name": error.message, **found}
        if found:
            raise Refused(found)
        provider.change_stage(setting, stage=stage, on=on, today=today, actor=actor,
                              reason=reason)
        return setting, self._save(provider)

    @retried_on_clash
    def change_in_house_stage(self, actor: Actor, *, authority_id: UUID, setting_id: UUID,
                              stage: str, on: date, reason: str | None,
                              open_vacancies: Iterable[UUID] = (),
                              today: date | None = None) -> int:
        """The next step of an in-house setting's registration pipeline. Closing it withdraws
        its open vacancies (``open_vacancies``, from the vacancy board) in the same save."""
        self._check_own_authority(actor, authority_id)
        provider = self.in_house_provider(authority_id)
        if provider is None or setting_id not in provider.settings:
            raise NotFound("There is no such setting")
        provider.change_stage(setting_id, stage=stage, on=on, today=today or self.today(),
                              actor=actor, reason=reason)
        closed: list[Vacancy] = []
        if stage == "closed":
            why = closing_reason(provider.settings[setting_id].name)
            for ref in open_vacancies:
                vacancy = self.get_vacancy(ref)
                if vacancy.setting_id == setting_id and vacancy.is_open:
                    vacancy.withdraw(actor=actor, reason=why)
                    closed.append(vacancy)
        return self._save(provider, *closed)

    @retried_on_clash
    def change_in_house_places(self, actor: Actor, *, authority_id: UUID, setting_id: UUID,
                               registered_places: int, reason: str | None) -> int:
        """A council setting's places change, with why. The places it already has are
        refused (nothing to store)."""
        self._check_own_authority(actor, authority_id)
        provider = self.in_house_provider(authority_id)
        if provider is None or setting_id not in provider.settings:
            raise NotFound("There is no such setting")
        if not provider.change_places(setting_id, registered_places=registered_places,
                                      actor=actor, reason=reason):
            raise DomainError(f"{provider.settings[setting_id].name} already has "
                              f"{registered_places} places", field="registered_places")
        return self._save(provider)

    # --- places in development ----------------------------------------------------------------

    def _check_links(self, authority_id: UUID, terms: dict[str, Any]) -> dict[str, str]:
        """A linked tender must be one the authority leads or joins, a linked contract its
        own: anything else is "no such", as for a missing one."""
        found = {}
        tender_id, contract_id = terms.get("tender_id"), terms.get("contract_id")
        if tender_id is not None:
            try:
                tender = self._get(tender_id, Tender, "tender")
                if tender.lead_authority_id != authority_id and not tender.partner(authority_id):
                    raise NotFound("There is no such tender")
            except NotFound:
                found["tender_id"] = "Choose one of your authority's tenders"
        if contract_id is not None:
            try:
                if self._get(contract_id, Contract, "contract").authority_id != authority_id:
                    raise NotFound("There is no such contract")
            except NotFound:
                found["contract_id"] = "Choose one of your authority's contracts"
        return found

    def get_development(self, actor: Actor, authority_id: UUID,
                        development_id: UUID) -> Development:
        self._check_own_authority(actor, authority_id)
        development = self._get(development_id, Development, "scheme")
        if development.authority_id != authority_id:
            raise NotFound("There is no such scheme")
        return development

    def record_development(self, actor: Actor, *, authority_id: UUID, name: str,
                           development_type: str, setting_type: str, places: int,
                           expected_opening: date, confidence: str,
                           tender_id: UUID | None = None, contract_id: UUID | None = None,
                           reason: str | None = None, today: date | None = None,
                           development_id: UUID | None = None) -> tuple[UUID, int]:
        """A scheme of new places in the authority's pipeline."""
        self._check_own_authority(actor, authority_id)
        self._get(authority_id, Authority, "authority")
        terms = dict(name=name, development_type=development_type, setting_type=setting_type,
                     places=places, expected_opening=expected_opening, confidence=confidence,
                     tender_id=tender_id, contract_id=contract_id)
        found = self._check_links(authority_id, terms)
        try:
            development = Development.record(authority_id=authority_id,
                                             today=today or self.today(), actor=actor,
                                             reason=reason, id=development_id, **terms)
        except Refused as error:
            raise Refused({**error.errors, **found}) from None
        if found:
            raise Refused(found)
        return development.id, self._create(development, "This scheme is already recorded")

    @retried_on_clash
    def change_development(self, actor: Actor, *, authority_id: UUID, development_id: UUID,
                           reason: str | None, today: date | None = None,
                           expected_version: int | None = None, **changes: Any) -> int:
        development = self.get_development(actor, authority_id, development_id)
        check_version(development, expected_version)
        found = self._check_links(authority_id, changes)
        try:
            development.change(today=today or self.today(), actor=actor, reason=reason,
                               **changes)
        except Refused as error:
            raise Refused({**error.errors, **found}) from None
        if found:
            raise Refused(found)
        return self._save(development)

    @retried_on_clash
    def open_development(self, actor: Actor, *, authority_id: UUID, development_id: UUID,
                         on: date, reason: str | None, today: date | None = None) -> int:
        development = self.get_development(actor, authority_id, development_id)
        development.open(on=on, today=today or self.today(), actor=actor, reason=reason)
        return self._save(development)

    @retried_on_clash
    def drop_development(self, actor: Actor, *, authority_id: UUID, development_id: UUID,
                         reason: str | None, today: date | None = None) -> int:
        development = self.get_development(actor, authority_id, development_id)
        development.drop(on=today or self.today(), actor=actor, reason=reason)
        return self._save(development)
