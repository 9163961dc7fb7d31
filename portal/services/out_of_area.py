"""The out-of-area commands of the portal application: adjoining authorities, and the approval
and host notices of a placement in another authority's area (see :mod:`domain.out_of_area`).

A mixin of :class:`~portal.services.application.Portal`. The placement commands (and accepting
an offer) call :meth:`_out_of_area_moves` once the child's new episode is pending, and save
what it returns with the placement, so a move out of area and its record are one save: a
planned move without its approval stores nothing at all.

Which starts get a record: every one made by a user. The system itself (the demonstration
loader, a test's fixture) may record a placement without saying whether it was planned: like
an SSDA903 import, that is history, and its approval shows as "not recorded".
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from uuid import UUID

from domain.actor import Actor
from domain.adjacency import REGISTER_ID, AdjacencyRegister, Pair, at_distance
from domain.errors import DomainError, NotFound, PermissionDenied, check_version
from domain.organisation import Authority
from domain.out_of_area import Approval, OutOfAreaPlacement, record_id
from domain.placement import Placement
from domain.timezone import LONDON
from portal.services.clashes import retried_on_clash
from projections.adjacency import shipped_pairs


def _same_stay(before: dict[str, Any], after: dict[str, Any]) -> bool:
    """Whether ``after`` continues the child's stay in the same home (a change of legal status
    only): the earlier episode ended X1 the day it began, in the same setting and area."""
    return (before["rec"] == "X1" and before["end"] == after["start"]
            and all(before[k] == after[k] for k in (
                "setting_id", "placement_authority_id", "placement_postcode")))


def stay_start(episodes: list[dict[str, Any]], number: int) -> date:
    """The day the child moved into the home of episode ``number`` (counted from 0)."""
    while number > 0 and _same_stay(episodes[number - 1], episodes[number]):
        number -= 1
    return episodes[number]["start"]


class OutOfAreaCommands:
    """Needs ``_get``, ``_save``, ``exists``, ``organisation_kind`` and ``clock`` (Portal)."""

    # --- adjoining authorities ----------------------------------------------------------------

    def adjoining_pairs(self) -> set[Pair]:
        """Every pair of adjoining authorities: shipped, and added by administrators."""
        pairs = set(shipped_pairs())
        if self.exists(REGISTER_ID):
            pairs.update(self._get(REGISTER_ID, AdjacencyRegister, "adjacency").added)
        return pairs

    @retried_on_clash
    def add_adjoining_authorities(self, actor: Actor, *, pairs: list[tuple[str, str]],
                                  reason: str) -> int:
        """Record that these pairs of authorities adjoin (a platform administrator, or the
        system from the command line)."""
        if actor.user_id is not None and (
                actor.organisation_id is None
                or self.organisation_kind(actor.organisation_id) != "platform"):
            raise PermissionDenied("Only a platform administrator can change which "
                                   "authorities adjoin")
        if self.exists(REGISTER_ID):
            register = self._get(REGISTER_ID, AdjacencyRegister, "adjacency")
        else:
            register = AdjacencyRegister.open(actor=actor)
        register.add(pairs=pairs, shipped=set(shipped_pairs()), actor=actor, reason=reason)
        return self._save(register)

    # --- the records beside a placement -------------------------------------------------------

    def _out_of_area_moves(self, placement: Placement, *, urgency: str | None,
                           approval: Approval | None, now: datetime, today: date,
                           actor: Actor) -> list[OutOfAreaPlacement]:
        """After a start, restart or change is pending on ``placement``: the record of a move
        out of area it makes (refused when a planned one lacks its approval) and the closing of
        the record of the home it leaves."""
        episodes = placement.episodes
        new = len(episodes) - 1
        if new > 0 and _same_stay(episodes[new - 1], episodes[new]):
            return []
        changed = []
        if new > 0 and episodes[new - 1]["rec"] == "X1":
            changed += self._closing(placement, new - 1, on=episodes[new]["start"], now=now,
                                     actor=actor)
        host_id = episodes[new]["placement_authority_id"]
        if host_id is None or host_id == placement.authority_id:
            return changed
        if urgency is None:
            if actor.user_id is None:
                return changed  # the system's history (see the module's docstring)
            raise DomainError("Say whether the placement is planned or an emergency",
                              field="urgency")
        placing = self._get(placement.authority_id, Authority, "authority")
        host = self._get(host_id, Authority, "authority")
        record = OutOfAreaPlacement.open(
            placement_ref=placement.id, placing_authority_id=placement.authority_id,
            child_ref=placement.child_ref, host_authority_id=host_id,
            at_distance=at_distance(placing.ons_code, host.ons_code, self.adjoining_pairs()),
            urgency=urgency, start=episodes[new]["start"], birth_month=placement.birth_month,
            place=episodes[new]["place"], setting_id=episodes[new]["setting_id"],
            provider_id=episodes[new]["provider_id"], approval=approval, now=now,
            today=today, actor=actor)
        if self.exists(record.id):
            raise DomainError("This move out of area is already recorded", field="start")
        return [*changed, record]

    def _closing(self, placement: Placement, number: int, *, on: date, now: datetime,
                 actor: Actor) -> list[OutOfAreaPlacement]:
        """The record of the home of episode ``number``, closed on ``on``, if it has one."""
        ref = record_id(placement.id, stay_start(placement.episodes, number))
        if not self.exists(ref):
            return []
        record = self._get(ref, OutOfAreaPlacement, "out-of-area placement")
        return [record] if record.close(on=on, now=now, actor=actor) else []

    def _ending(self, placement: Placement, *, now: datetime,
                actor: Actor) -> list[OutOfAreaPlacement]:
        """After an end is pending: the record of the home the child left, closed."""
        last = len(placement.episodes) - 1
        return self._closing(placement, last, on=placement.episodes[last]["end"], now=now,
                             actor=actor)

    # --- after an emergency start -------------------------------------------------------------

    def get_out_of_area_placement(self, actor: Actor, record_ref: UUID) -> OutOfAreaPlacement:
        record = self._get(record_ref, OutOfAreaPlacement, "out-of-area placement")
        if actor.user_id is not None and actor.organisation_id != record.placing_authority_id:
            raise NotFound("There is no such out-of-area placement")
        return record

    @retried_on_clash
    def approve_out_of_area_placement(self, actor: Actor, record_ref: UUID, *,
                                      approval: Approval, today: date | None = None,
                                      expected_version: int | None = None) -> int:
        """Record the approval of an emergency placement, as soon as it is given.
        ``expected_version``: only if the record is still at that version."""
        record = self.get_out_of_area_placement(actor, record_ref)
        check_version(record, expected_version)
        record.approve(approval=approval, today=today or self._today(), actor=actor)
        return self._save(record)

    @retried_on_clash
    def notify_host_authority(self, actor: Actor, record_ref: UUID, *,
                              now: datetime | None = None) -> int:
        """Send the host authority its notice of an emergency start (a consultation, for a
        placement at a distance)."""
        record = self.get_out_of_area_placement(actor, record_ref)
        record.notify_host(now=now or self.clock(), actor=actor)
        return self._save(record)

    def _today(self) -> date:
        return self.clock().astimezone(LONDON).date()
