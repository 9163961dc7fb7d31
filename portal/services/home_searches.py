"""The home search commands of the portal application: draft, change, cancel, close unfilled.

A mixin of :class:`~portal.services.application.Portal`. Only an officer of the placing
authority (or the system, e.g. the demo loader) acts for its searches; another authority's
search is "no such home search", exactly like a missing one. Sending a search to providers,
their offers and accepting one are in :mod:`portal.services.offers`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date
from uuid import UUID

from domain.actor import Actor
from domain.errors import NotFound, PermissionDenied, check_version
from domain.home_search import HomeSearch
from domain.organisation import Authority
from portal.services.clashes import retried_on_clash


def _no_directory() -> int | None:
    return None


class HomeSearchCommands:
    """Needs ``_get``, ``_save`` and ``_create`` (Portal)."""

    # The most children any setting in the directory can take (its largest registered places),
    # or None when unknown. The composition root wires it to the directory's read model; an
    # application without one (a test's in-memory store) checks only the domain's own limit.
    largest_placeable_group: Callable[[], int | None] = staticmethod(_no_directory)

    def _check_acting_for_searches(self, actor: Actor, authority_id: UUID) -> None:
        if actor.user_id is not None and actor.organisation_id != authority_id:
            raise PermissionDenied("You can only search for homes for your own authority's "
                                   "children")

    def get_home_search(self, actor: Actor, search_ref: UUID) -> HomeSearch:
        search = self._get(search_ref, HomeSearch, "home search")
        if actor.user_id is not None and actor.organisation_id != search.authority_id:
            raise NotFound("There is no such home search")
        return search

    def draft_home_search(self, actor: Actor, *, authority_id: UUID, child_ref: str,
                          urgency: str, needed_by: date, latest_start: date,
                          placement_types: Iterable[str], age: int, sex: str, siblings: int,
                          legal_status: str, needs: Iterable[str] = (),
                          family_district: str | None = None,
                          school_district: str | None = None, stay_near_school: bool = False,
                          areas_to_avoid: Iterable[str] = (), today: date | None = None,
                          search_id: UUID | None = None, reason: str | None = None,
                          ) -> tuple[UUID, int]:
        """Draft a search for a home for one of the authority's children; returns its id and
        the notification id of its first event."""
        self._check_acting_for_searches(actor, authority_id)
        self._get(authority_id, Authority, "authority")
        search = HomeSearch.draft(
            authority_id=authority_id, child_ref=child_ref, today=today or date.today(),
            actor=actor, largest_group=self.largest_placeable_group(), id=search_id,
            reason=reason, terms=dict(
                urgency=urgency, needed_by=needed_by, latest_start=latest_start,
                placement_types=list(placement_types), age=age, sex=sex, siblings=siblings,
                needs=list(needs), family_district=family_district,
                school_district=school_district, stay_near_school=stay_near_school,
                areas_to_avoid=list(areas_to_avoid), legal_status=legal_status))
        return search.id, self._create(search, "This home search has already been drafted")

    @retried_on_clash
    def edit_home_search(self, actor: Actor, search_ref: UUID, *, changes: dict,
                         today: date | None = None, reason: str | None = None,
                         expected_version: int | None = None) -> int:
        """Change a draft's terms (those named in ``changes``; the rest stay as they are).
        Nothing is stored when nothing changed. ``expected_version``: only if the search is
        still at that version (the version its form was opened at), else StaleVersion."""
        search = self.get_home_search(actor, search_ref)
        check_version(search, expected_version)
        search.edit(changes=dict(changes), today=today or date.today(), actor=actor,
                    largest_group=self.largest_placeable_group(), reason=reason)
        return self._save(search)

    @retried_on_clash
    def cancel_home_search(self, actor: Actor, search_ref: UUID, *, reason: str,
                           expected_version: int | None = None) -> int:
        search = self.get_home_search(actor, search_ref)
        check_version(search, expected_version)
        search.cancel(actor=actor, reason=reason)
        return self._save(search)

    @retried_on_clash
    def close_home_search_unfilled(self, actor: Actor, search_ref: UUID, *,
                                   unfilled_reason: str, reason: str | None = None,
                                   expected_version: int | None = None) -> int:
        search = self.get_home_search(actor, search_ref)
        check_version(search, expected_version)
        search.close_unfilled(unfilled_reason=unfilled_reason, actor=actor, reason=reason)
        return self._save(search)
