"""Records the demo placements in the portal, acting as the system.

Contracts and targets go through the portal's commands (``record_contract``, ``set_targets``).
Each child's history is made by the Placement aggregate's own methods, which the placement
commands call (start, change, end, restart: the same invariants and events), and the children
are saved in batches with the application's ``save``, one transaction per batch: a command per
step would take about ten times as long. The links the commands would fill in from a setting
(its host authority, postcode district and URN) come from the same directory facts.

Idempotent: a child's record id derives from the authority and the child's reference, a
contract's from its key, and whatever already exists is skipped.
"""

from __future__ import annotations

from datetime import date
from typing import Any, Protocol
from uuid import UUID

from domain.actor import Actor
from domain.child_ref import ChildReferences
from domain.organisation import authority_id, setting_id
from domain.placement import Placement, placement_id
from portal.demo.ids import contract_id, provider_id
from portal.demo.placements import ChildPlan, Step, demo_placements
from portal.services.application import Portal

BATCH = 250  # children saved per transaction


class Report(Protocol):
    created: int
    skipped: int
    last_position: int


def load_placements(portal: Portal, child_refs: ChildReferences, today: date,
                    report: Report) -> None:
    plan = demo_placements(today)
    actor = Actor.system()
    for contract in plan.contracts:
        fact, ref = contract.fact, contract_id(contract.fact.key)
        if portal.exists(ref):
            report.skipped += 1
            continue
        _, report.last_position = portal.record_contract(
            actor, authority_id=authority_id(fact.la_code), provider_id=provider_id(fact.provider),
            contract_id=ref, route="block", title=fact.title, setting_type=fact.setting_type,
            places=fact.places, weekly_price=fact.weekly_price, start=contract.start,
            end=contract.end)
        report.created += 1
    for la_code, targets in plan.targets.items():
        authority = portal.get_authority(la_code)
        if getattr(authority, "targets", {}) == targets:
            report.skipped += 1
            continue
        report.last_position = portal.set_targets(actor, authority.id, targets=dict(targets),
                                                  reason="Targets in the council's "
                                                  "sufficiency strategy")
        report.created += 1
    batch: list[Placement] = []
    for child in plan.children:
        authority = authority_id(child.la_code)
        reference = child_refs.reference(child.la_code, child.child_id)
        if portal.exists(placement_id(authority, reference)):
            report.skipped += 1
            continue
        batch.append(history(child, authority, reference, today, actor))
        if len(batch) == BATCH:
            _save(portal, batch, report)
            batch = []
    if batch:
        _save(portal, batch, report)


def _save(portal: Portal, batch: list[Placement], report: Report) -> None:
    """Every child's events in one transaction, in the notification log's one order."""
    report.last_position = portal.save(*batch)[-1].notification.id
    report.created += len(batch)


def history(child: ChildPlan, authority: UUID, reference: str, today: date,
             actor: Actor) -> Placement:
    placement: Placement | None = None
    for step in child.steps:
        if step.rec is not None:
            assert placement is not None
            placement.end(on=step.on, rec=step.rec, today=today, actor=actor)
        elif placement is None:
            placement = Placement.start(
                authority_id=authority, child_ref=reference, birth_month=child.birth_month,
                sex=child.sex, uasc=child.uasc, terms=terms(child, step), on=step.on,
                today=today, actor=actor)
        elif step.rne == "S":
            placement.restart(on=step.on, terms=terms(child, step), today=today, actor=actor)
        else:
            placement.change(on=step.on, terms=terms(child, step), today=today, actor=actor)
    assert placement is not None
    return placement


def terms(child: ChildPlan, step: Step) -> dict[str, Any]:
    """The episode's facts as a placement command takes them."""
    where = step.where
    assert where is not None
    provider = provider_id(where.provider) if where.provider else None
    return {
        "rne": step.rne, "legal_status": step.legal_status, "cin": child.cin,
        "place": where.place, "place_provider": where.place_provider, "provider_id": provider,
        "setting_id": setting_id(provider, where.setting) if provider and where.setting
        else None,
        "urn": where.urn, "home_postcode": child.home_postcode,
        "placement_postcode": where.postcode,
        "placement_authority_id": authority_id(where.la_code) if where.la_code else None,
        "reason_place_change": step.reason_place_change, "weekly_cost": where.weekly_cost,
        "contract_route": where.route,
        "contract_id": contract_id(where.contract) if where.contract else None,
    }
