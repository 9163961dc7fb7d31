"""The placement, contract and import commands of the portal application.

A mixin of :class:`~portal.services.application.Portal`, kept apart so each area's use cases
stay short.
Only an officer of the placing authority (or the system, e.g. the demo loader) acts for it.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from uuid import UUID, uuid4

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.persistence import IntegrityError

from domain.actor import Actor
from domain.contract import Contract
from domain.data_import import DataImport
from domain.errors import AlreadyExists, DomainError, NotFound, check_version
from domain.organisation import Authority, Provider
from domain.out_of_area import Approval
from domain.placement import Placement, placement_id
from portal.services.clashes import retried_on_clash
from portal.services.keep import KEEP, Keep, kept

# What SSDA903 does not hold: kept from the portal's own episode with the same start and type.
NOT_IN_RETURN = ("weekly_cost", "contract_id", "provider_id", "setting_id",
                 "placement_authority_id")


def with_what_the_return_lacks(held: list[dict[str, Any]],
                               incoming: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The return's episodes, keeping the cost, contract and provider the portal holds for
    the same episode (same start and placement type): SSDA903 has no cost or route."""
    by_start = {(e["start"], e["place"]): e for e in held}
    merged = []
    for new in incoming:
        old = by_start.get((new["start"], new["place"]))
        if old is not None:
            new = {**new, **{f: old[f] for f in NOT_IN_RETURN}}
            new["contract_route"] = new["contract_route"] or old["contract_route"]
            if new["contract_route"] not in {"block", "framework"}:
                new["contract_id"] = None
        merged.append(new)
    return merged


class PlacementCommands:
    """Needs ``_get``, ``_save``, ``_create``, ``repository`` and ``last_position`` (Portal)."""

    def _check_acting_for_authority(self, actor: Actor, authority_id: UUID) -> None:
        from domain.errors import PermissionDenied

        if actor.user_id is not None and actor.organisation_id != authority_id:
            raise PermissionDenied("You can only record placements for your own authority")

    def _check_placement_links(self, authority_id: UUID,
                               terms: dict[str, Any]) -> dict[str, Any]:
        """A named provider, setting and contract must exist, and the contract must be the
        authority's own with that provider. A setting in the directory fills in where the
        placement is (its host authority and postcode district) and its Ofsted URN."""
        terms = dict(terms)
        provider_id = terms.get("provider_id")
        if provider_id is not None:
            provider = self._get(provider_id, Provider, "provider")
            if provider.in_house and not terms.get("contract_route"):
                # A child in one of the authority's own homes is placed in-house (its spend
                # counts under that route) unless the route is given.
                terms["contract_route"] = "in_house"
            setting_id = terms.get("setting_id")
            if setting_id is not None:
                setting = provider.setting(setting_id)  # NotFound for another's setting
                terms["placement_authority_id"] = setting.host_authority_id
                terms.setdefault("placement_postcode", setting.postcode_district)
                if terms["placement_postcode"] is None:
                    terms["placement_postcode"] = setting.postcode_district
                if terms.get("urn") is None:
                    terms["urn"] = setting.ofsted_urn or provider.ofsted_urn
        contract_id = terms.get("contract_id")
        if contract_id is not None:
            contract = self._get(contract_id, Contract, "contract")
            if contract.authority_id != authority_id:
                raise NotFound("There is no such contract")
            if provider_id is not None and contract.provider_id != provider_id:
                raise DomainError("That contract is with a different provider",
                                  field="contract_id")
        return terms

    def get_placement(self, actor: Actor, authority_id: UUID, child_ref: str) -> Placement:
        self._check_acting_for_authority(actor, authority_id)
        return self._get(placement_id(authority_id, child_ref), Placement, "child")

    @retried_on_clash
    def start_placement(self, actor: Actor, *, authority_id: UUID, child_ref: str,
                        birth_month: str, sex: str, uasc: bool, on: date,
                        terms: dict[str, Any], today: date | None = None,
                        reason: str | None = None, urgency: str | None = None,
                        approval: Approval | None = None,
                        now: datetime | None = None) -> tuple[UUID, int]:
        """A child starts to be looked after: a first placement, or a new period of care.
        Out of area, ``urgency`` (planned or emergency) and the ``approval`` the regulations
        require come too (see :mod:`portal.services.out_of_area`)."""
        self._check_acting_for_authority(actor, authority_id)
        self._get(authority_id, Authority, "authority")
        terms = self._check_placement_links(authority_id, terms)
        today = today or date.today()
        ref = placement_id(authority_id, child_ref)
        if self.exists(ref):
            placement = self._get(ref, Placement, "child")
            placement.restart(on=on, terms=terms, today=today, actor=actor, reason=reason)
        else:
            placement = Placement.start(authority_id=authority_id, child_ref=child_ref,
                                        birth_month=birth_month, sex=sex, uasc=uasc,
                                        terms=terms, on=on, today=today, actor=actor,
                                        reason=reason)
        moves = self._out_of_area_moves(placement, urgency=urgency, approval=approval,
                                        now=now or self.clock(), today=today, actor=actor)
        if placement.version == 1:
            try:
                return ref, self._save(placement, *moves)
            except IntegrityError:
                raise AlreadyExists("This child already has a placement record") from None
        return ref, self._save(placement, *moves)

    @retried_on_clash
    def change_placement(self, actor: Actor, authority_id: UUID, child_ref: str, *, on: date,
                         terms: dict[str, Any], today: date | None = None,
                         reason: str | None = None, urgency: str | None = None,
                         approval: Approval | None = None, now: datetime | None = None,
                         expected_version: int | None = None) -> int:
        """A new episode; a move into another authority's area is recorded as a start is."""
        placement = self.get_placement(actor, authority_id, child_ref)
        check_version(placement, expected_version)
        terms = self._check_placement_links(authority_id, terms)
        today = today or date.today()
        placement.change(on=on, terms=terms, today=today, actor=actor, reason=reason)
        moves = self._out_of_area_moves(placement, urgency=urgency, approval=approval,
                                        now=now or self.clock(), today=today, actor=actor)
        return self._save(placement, *moves)

    @retried_on_clash
    def end_placement(self, actor: Actor, authority_id: UUID, child_ref: str, *, on: date,
                      rec: str, today: date | None = None, reason: str | None = None,
                      now: datetime | None = None, expected_version: int | None = None) -> int:
        """The end of care; a host authority is told in the same save."""
        placement = self.get_placement(actor, authority_id, child_ref)
        check_version(placement, expected_version)
        placement.end(on=on, rec=rec, today=today or date.today(), actor=actor, reason=reason)
        ended = self._ending(placement, now=now or self.clock(), actor=actor)
        return self._save(placement, *ended)

    @retried_on_clash
    def correct_placement(self, actor: Actor, authority_id: UUID, child_ref: str, *,
                          episode_number: int | None, changes: dict[str, Any], reason: str,
                          today: date | None = None) -> int:
        placement = self.get_placement(actor, authority_id, child_ref)
        if episode_number is not None and 1 <= episode_number <= len(placement.episodes) \
                and {"provider_id", "setting_id", "contract_id"} & set(changes):
            current = {**placement.episodes[episode_number - 1], **changes}
            if {"provider_id", "setting_id"} & set(changes):
                # Where the placement is follows the new setting, unless corrected too.
                for derived in ("placement_authority_id", "placement_postcode", "urn"):
                    if derived not in changes:
                        current[derived] = None
            linked = self._check_placement_links(authority_id, current)
            changes = {**changes, **{k: linked[k] for k in
                                     ("placement_authority_id", "placement_postcode", "urn")}}
        placement.correct(episode_number=episode_number, changes=changes,
                          today=today or date.today(), actor=actor, reason=reason)
        return self._save(placement)

    # --- the SSDA903 import -------------------------------------------------------------------

    def reconcile_returned_child(self, actor: Actor, *, authority_id: UUID, child_ref: str,
                                 episodes: list[dict[str, Any]],
                                 facts: tuple[str, str, bool] | None, exists: bool,
                                 today: date, reason: str) -> Placement | None:
        """A child of a return, as the return says: its placement with the new events pending
        (saved by :meth:`save_imported` or :meth:`record_import` with the rest of the chunk),
        or None when the portal already holds what the return says. ``facts`` is the header's
        (birth month, sex, UASC), None when the return has no header file. Raises DomainError
        when the child's episodes break a rule."""
        self._check_acting_for_authority(actor, authority_id)
        ref = placement_id(authority_id, child_ref)
        kw = dict(today=today, actor=actor)
        if exists:
            try:
                placement = self.repository.get(ref)
            except AggregateNotFoundError:
                placement = None
            if isinstance(placement, Placement):
                changed = False
                held = (placement.birth_month, placement.sex, placement.uasc)
                if facts is not None and held != tuple(facts):
                    birth_month, sex, uasc = facts
                    changed = placement.correct(
                        episode_number=None, reason=reason, changes={
                            "birth_month": birth_month, "sex": sex, "uasc": uasc}, **kw)
                episodes = with_what_the_return_lacks(placement.episodes, episodes)
                changed = placement.reconcile(episodes=episodes, reason=reason,
                                              **kw) or changed
                return placement if changed else None
            if placement is not None:
                raise DomainError("The portal holds another kind of record with this id")
        if facts is None:
            raise DomainError("This child is new to the portal: import the header file too, "
                              "for the child's date of birth and sex", field="child")
        birth_month, sex, uasc = facts
        first, *rest = episodes
        placement = Placement.start(
            authority_id=authority_id, child_ref=child_ref, birth_month=birth_month,
            sex=sex, uasc=uasc, on=first["start"], reason=reason,
            terms={k: v for k, v in first.items() if k != "start"}, **kw)
        if rest:
            placement.reconcile(episodes=rest, reason=reason, **kw)
        return placement

    def save_imported(self, actor: Actor, *, authority_id: UUID,
                      placements: list[Placement]) -> int:
        """Save one chunk of an import's placements in one transaction (the last chunk is
        saved by :meth:`record_import`, with the import's record)."""
        self._check_acting_for_authority(actor, authority_id)
        if any(p.authority_id != authority_id for p in placements):
            raise DomainError("An import saves only its own authority's children")
        return self._save(*placements)

    def record_import(self, actor: Actor, *, authority_id: UUID, placements: list[Placement],
                      children_changed: int | None = None, **facts: Any) -> tuple[UUID, int]:
        """Save the placements an import changed together with its record, atomically.
        ``children_changed`` counts them when the import saved some before (in chunks)."""
        self._check_acting_for_authority(actor, authority_id)
        changed = len(placements) if children_changed is None else children_changed
        record = DataImport(id=uuid4(), authority_id=authority_id, actor=actor, reason=None,
                            children_changed=changed, **facts)
        return record.id, self._save(*placements, record)

    # --- contracts ----------------------------------------------------------------------------

    def record_contract(self, actor: Actor, *, authority_id: UUID, provider_id: UUID,
                        route: str, title: str, setting_type: str, places: int | None,
                        weekly_price: int, start: date, end: date,
                        contract_id: UUID | None = None,
                        tender_id: UUID | None = None) -> tuple[UUID, int]:
        """Record a contract the authority holds with a provider (``tender_id``: the joint
        tender that awarded it, where one did)."""
        self._check_acting_for_authority(actor, authority_id)
        self._get(authority_id, Authority, "authority")
        self._get(provider_id, Provider, "provider")
        contract = Contract.record(
            actor=actor, id=contract_id, authority_id=authority_id, provider_id=provider_id,
            route=route, title=title, setting_type=setting_type, places=places,
            weekly_price=weekly_price, start=start, end=end, tender_id=tender_id)
        return contract.id, self._create(contract, "This contract is already recorded")

    def get_contract(self, actor: Actor, contract_ref: UUID) -> Contract:
        contract = self._get(contract_ref, Contract, "contract")
        if actor.user_id is not None and actor.organisation_id not in {
                contract.authority_id, contract.provider_id}:
            raise NotFound("There is no such contract")
        return contract

    @retried_on_clash
    def vary_contract(self, actor: Actor, contract_ref: UUID, *, reason: str,
                      title: str | Keep = KEEP, places: int | Keep | None = KEEP,
                      weekly_price: int | Keep = KEEP, end: date | Keep = KEEP,
                      expected_version: int | None = None) -> int:
        """A variation: more or fewer places, a new price or a new end date.
        ``expected_version``: only if the contract is still at that version."""
        contract = self._get(contract_ref, Contract, "contract")
        self._check_acting_for_authority(actor, contract.authority_id)
        check_version(contract, expected_version)
        contract.vary(actor=actor, reason=reason, **kept(
            title=title, places=places, weekly_price=weekly_price, end=end))
        return self._save(contract)

    @retried_on_clash
    def terminate_contract(self, actor: Actor, contract_ref: UUID, *, on: date,
                           reason: str, expected_version: int | None = None) -> int:
        contract = self._get(contract_ref, Contract, "contract")
        self._check_acting_for_authority(actor, contract.authority_id)
        check_version(contract, expected_version)
        contract.terminate(on=on, actor=actor, reason=reason)
        return self._save(contract)

    # --- targets ------------------------------------------------------------------------------

    @retried_on_clash
    def set_targets(self, actor: Actor, authority_id: UUID, *, targets: dict[str, Any],
                    reason: str | None = None, expected_version: int | None = None) -> int:
        self._check_acting_for_authority(actor, authority_id)
        authority = self._get(authority_id, Authority, "authority")
        check_version(authority, expected_version)
        authority.set_targets(targets=targets, actor=actor, reason=reason)
        return self._save(authority)
