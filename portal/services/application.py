"""The portal's event-sourced application: one method per use case, one notification log.

Every command takes the acting principal's :class:`Actor`, loads and changes aggregates, saves
them (their events are appended atomically) and returns the notification id of the last event
it stored, so the web layer can wait for the projections to catch up before rendering.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any, TypeVar
from uuid import UUID, uuid4

from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.persistence import IntegrityError, JSONTranscoder, Transcoding
from eventsourcing.sqlite import SQLiteDatastore

from auth.idempotency import IdempotencyKeys
from domain.account import Account, account_id
from domain.actor import Actor
from domain.errors import AlreadyExists, DomainError, NotFound, PermissionDenied, check_version
from domain.home_search import HOLDABLE, NO_SEARCH_TO_HOLD
from domain.in_house import STAGES, TAKING_CHILDREN, in_house_provider_id
from domain.organisation import (
    Authority,
    PlatformOrganisation,
    Provider,
    Setting,
    authority_id,
)
from domain.permissions import PLATFORM_ROLES, REGION, in_scope, scope_for, scope_of_roles
from domain.storable import StorableEvents
from domain.timezone import LONDON
from domain.vacancy import Vacancy
from domain.vocabulary import ROLES
from portal.services.accounts import AccountCommands
from portal.services.aggregate_cache import CachedAggregates
from portal.services.api_clients import ApiClientCommands
from portal.services.board import BoardCommands
from portal.services.clashes import retried_on_clash
from portal.services.fostering import FosteringCommands
from portal.services.gazetteer import GazetteerCommands
from portal.services.home_searches import HomeSearchCommands
from portal.services.identity_providers import IdentityProviderCommands
from portal.services.keep import KEEP, Keep, kept
from portal.services.offers import ReferralCommands
from portal.services.ofsted import OfstedCommands
from portal.services.out_of_area import OutOfAreaCommands
from portal.services.placements import PlacementCommands
from portal.services.supply import SupplyCommands
from portal.services.tender_documents import TenderDocumentCommands, TenderReminderCommands
from portal.services.tenders import TenderCommands
from portal.services.transcoder import PortalTranscoder
from portal.services.webhooks import WebhookCommands

A = TypeVar("A")




class ActorAsDict(Transcoding):
    type = Actor
    name = "actor"

    def encode(self, obj: Actor) -> dict[str, str | None]:
        return obj.as_dict()

    def decode(self, data: dict[str, str | None]) -> Actor:
        return Actor.from_dict(data)


class DateAsISO(Transcoding):
    type = date
    name = "date"

    def encode(self, obj: date) -> str:
        return obj.isoformat()

    def decode(self, data: str) -> date:
        return date.fromisoformat(data)


def wait_for_connections_as_for_the_lock(recorder: Any) -> None:
    """On SQLite, a write waits for the file's one write lock up to SQLITE_LOCK_TIMEOUT; waiting
    for one of this process's pooled connections is a place in the same queue, so it is given
    the same patience. eventsourcing's own 5 s (not settable by its environment) answered 503 to
    some of twenty simultaneous writes in one process on a loaded machine while the lock's wait
    had 25 s to go."""
    datastore = getattr(recorder, "datastore", None)
    if isinstance(datastore, SQLiteDatastore) and datastore.pool.lock_timeout:
        datastore.pool.pool_timeout = max(datastore.pool.pool_timeout,
                                          float(datastore.pool.lock_timeout))


class Portal(PlacementCommands, HomeSearchCommands, ReferralCommands, BoardCommands,
             OutOfAreaCommands, GazetteerCommands, OfstedCommands, FosteringCommands,
             SupplyCommands,
             IdentityProviderCommands, AccountCommands, TenderCommands, TenderDocumentCommands,
             TenderReminderCommands, ApiClientCommands, WebhookCommands, CachedAggregates,
             StorableEvents,
             Application):
    name = "Portal"
    # Set by the composition root: the keys a retried API request or form is answered from
    # (auth/idempotency.py), so a command sent twice runs once.
    idempotency: IdempotencyKeys

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        wait_for_connections_as_for_the_lock(self.recorder)
        self._settings: dict[tuple[UUID, UUID], Setting] = {}
        self._in_house: dict[UUID, bool] = {}  # provider -> run by an authority (never changes)

    def construct_transcoder(self) -> PortalTranscoder:
        """eventsourcing's JSON transcoder, encoding the same bytes faster."""
        transcoder = PortalTranscoder()
        self.register_transcodings(transcoder)
        return transcoder

    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        super().register_transcodings(transcoder)
        transcoder.register(ActorAsDict())
        transcoder.register(DateAsISO())

    # --- plumbing ---------------------------------------------------------------------------

    def _get(self, aggregate_id: UUID, kind: type[A], what: str) -> A:
        try:
            aggregate = self.repository.get(aggregate_id)
        except AggregateNotFoundError:
            raise NotFound(f"There is no such {what}") from None
        if not isinstance(aggregate, kind):
            raise NotFound(f"There is no such {what}")
        return aggregate

    def _save(self, *aggregates: Any) -> int:
        recordings = self.save(*aggregates)
        if not recordings:
            return self.last_position()
        return recordings[-1].notification.id

    def _create(self, aggregate: Any, duplicate_message: str) -> int:
        try:
            return self._save(aggregate)
        except IntegrityError:
            raise AlreadyExists(duplicate_message) from None

    def last_position(self) -> int:
        return self.recorder.max_notification_id() or 0

    def exists(self, aggregate_id: UUID) -> bool:
        return bool(self.recorder.select_events(aggregate_id, limit=1))

    def version_of(self, aggregate_id: UUID) -> int:
        """The record's present version (0: no such record), read from its newest event: what
        a form editing it carries, for its command's ``expected_version``."""
        newest = self.recorder.select_events(aggregate_id, desc=True, limit=1)
        return newest[0].originator_version if newest else 0

    # --- organisations ------------------------------------------------------------------------

    def register_authority(self, actor: Actor, *, la_code: str, ons_code: str, name: str,
                           population_0_17: int, partnerships: list[str],
                           key_decision_threshold: int) -> tuple[UUID, int]:
        """Add a partner council, identified by its DfE LA code."""
        authority = Authority.register(
            actor=actor, la_code=la_code, ons_code=ons_code, name=name,
            population_0_17=population_0_17, partnerships=partnerships,
            key_decision_threshold=key_decision_threshold)
        position = self._create(
            authority, f"An authority with LA code {la_code} is already registered")
        return authority.id, position

    @retried_on_clash
    def update_authority(self, actor: Actor, authority_ref: UUID, reason: str | None = None,
                         **changes: Any) -> int:
        """Change a council's details (its LA code never changes: it is its identity). The
        changes keep the order given: the audit history lists them so."""
        authority = self._get(authority_ref, Authority, "authority")
        authority.update_details(actor=actor, reason=reason, **changes)
        return self._save(authority)

    def get_authority(self, la_code_or_id: str | UUID) -> Authority:
        ref = la_code_or_id if isinstance(la_code_or_id, UUID) else authority_id(la_code_or_id)
        return self._get(ref, Authority, "authority")

    def register_provider(self, actor: Actor, *, name: str, kind: str,
                          ofsted_urn: str | None = None,
                          provider_id: UUID | None = None) -> tuple[UUID, int]:
        provider = Provider.register(name=name, kind=kind, ofsted_urn=ofsted_urn, actor=actor,
                                     id=provider_id)
        return provider.id, self._create(provider, f"The provider {name} is already registered")

    @retried_on_clash
    def add_setting(self, actor: Actor, provider_ref: UUID, *, name: str, setting_type: str,
                    ofsted_urn: str | None, host_authority_id: UUID, postcode_district: str,
                    registered_places: int) -> tuple[UUID, int]:
        """Add a place the provider runs (a home, a fostering service...) to the directory."""
        provider = self._get(provider_ref, Provider, "provider")
        self._get(host_authority_id, Authority, "host authority")
        new_setting = provider.add_setting(
            actor=actor, name=name, setting_type=setting_type, ofsted_urn=ofsted_urn,
            host_authority_id=host_authority_id, postcode_district=postcode_district,
            registered_places=registered_places)
        return new_setting, self._save(provider)

    def get_provider(self, provider_ref: UUID) -> Provider:
        return self._get(provider_ref, Provider, "provider")

    def register_platform_organisation(self, actor: Actor, *, name: str,
                                       organisation_id: UUID | None = None) -> tuple[UUID, int]:
        if not name.strip():
            raise DomainError("Enter the organisation's name", field="name")
        organisation = PlatformOrganisation(id=organisation_id or uuid4(), name=name.strip(),
                                            actor=actor, reason=None)
        return organisation.id, self._create(organisation, f"{name} is already registered")

    def organisation_kind(self, organisation_ref: UUID) -> str:
        try:
            aggregate = self.repository.get(organisation_ref)
        except AggregateNotFoundError:
            raise NotFound("There is no such organisation") from None
        kinds = {Authority: "authority", Provider: "provider", PlatformOrganisation: "platform"}
        for cls, kind in kinds.items():
            if isinstance(aggregate, cls):
                return kind
        raise NotFound("There is no such organisation")

    # --- accounts -----------------------------------------------------------------------------

    def create_account(self, actor: Actor, *, email: str, display_name: str,
                       organisation_id: UUID, roles: list[str]) -> tuple[UUID, int]:
        kind = self.organisation_kind(organisation_id)
        account = Account.create(email=email, display_name=display_name,
                                 organisation_id=organisation_id, organisation_kind=kind,
                                 roles=roles, actor=actor)
        return account.id, self._create(account, f"An account for {account.email} already exists")

    def get_account(self, account_ref: UUID) -> Account:
        return self._get(account_ref, Account, "account")

    @retried_on_clash
    def record_sign_in(self, account_ref: UUID, *, method: str) -> int:
        account = self.get_account(account_ref)
        account.record_sign_in(method=method)
        return self._save(account)

    @retried_on_clash
    def record_failed_sign_in(self, account_ref: UUID, *, reason: str) -> int:
        account = self.get_account(account_ref)
        account.record_failed_sign_in(reason=reason)
        return self._save(account)

    def find_account(self, email: str) -> Account | None:
        try:
            return self.get_account(account_id(email))
        except NotFound:
            return None

    # --- who has access: roles and suspension, by an administrator, always with a reason ------

    def _account_to_manage(self, actor: Actor, account_ref: UUID, reason: str | None
                           ) -> tuple[Account, str]:
        """The account ``actor`` may manage, and the scope of the actor's ``accounts.manage``.

        An organisation's administrator manages only their own organisation's accounts: any
        other account is "no such account", exactly like a missing one. The system itself (the
        command line) manages every account."""
        account = self.get_account(account_ref)
        scope = REGION
        if actor.user_id is not None:
            acting = self.get_account(actor.user_id)
            scope = scope_for(acting, "accounts.manage") if not acting.suspended else None
            if scope is None:
                raise PermissionDenied("You do not have permission to manage accounts")
            if not in_scope(acting, "accounts.manage", account.organisation_id):
                raise NotFound("There is no such account")
        if not (reason or "").strip():
            raise DomainError("Enter the reason", field="reason")
        return account, scope

    @staticmethod
    def _check_may_change_role(scope: str, role: str) -> None:
        if role in PLATFORM_ROLES and scope != REGION:
            raise PermissionDenied(
                f"Only a platform administrator can grant or take away the role "
                f"{ROLES.get(role, role).lower()}", field="role")

    @retried_on_clash
    def grant_role(self, actor: Actor, account_ref: UUID, *, role: str, reason: str) -> int:
        account, scope = self._account_to_manage(actor, account_ref, reason)
        self._check_may_change_role(scope, role)
        kind = self.organisation_kind(account.organisation_id)
        account.grant_role(role, kind, actor=actor, reason=reason.strip())
        return self._save(account)

    @retried_on_clash
    def revoke_role(self, actor: Actor, account_ref: UUID, *, role: str, reason: str) -> int:
        account, scope = self._account_to_manage(actor, account_ref, reason)
        self._check_may_change_role(scope, role)
        if account.id == actor.user_id and role in account.roles \
                and scope_of_roles(account.roles, "accounts.manage") is not None \
                and scope_of_roles(set(account.roles) - {role}, "accounts.manage") is None:
            raise DomainError("You cannot take away your own last administrator role. Ask "
                              "another administrator to do it", field="role")
        account.revoke_role(role, actor=actor, reason=reason.strip())
        return self._save(account)

    @retried_on_clash
    def suspend_account(self, actor: Actor, account_ref: UUID, *, reason: str) -> int:
        """Stop an account signing in (the web layer also ends its sessions)."""
        account, _scope = self._account_to_manage(actor, account_ref, reason)
        if account.id == actor.user_id:
            raise DomainError("You cannot suspend your own account", field="reason")
        account.suspend(actor=actor, reason=reason.strip())
        return self._save(account)

    @retried_on_clash
    def reinstate_account(self, actor: Actor, account_ref: UUID, *, reason: str) -> int:
        account, _scope = self._account_to_manage(actor, account_ref, reason)
        account.reinstate(actor=actor, reason=reason.strip())
        return self._save(account)

    # --- vacancies ----------------------------------------------------------------------------

    def _check_acting_for(self, actor: Actor, provider_id: UUID) -> None:
        """Only the provider itself (or the system, e.g. the demo loader) acts for a provider;
        an authority acts for its own in-house provider."""
        if actor.user_id is not None and actor.organisation_id != provider_id and not (
                actor.organisation_id is not None
                and provider_id == in_house_provider_id(actor.organisation_id)):
            raise PermissionDenied("You can only manage your own organisation's vacancies")

    def _check_taking_children(self, provider_id: UUID, setting_id: UUID) -> None:
        """A council's own setting offers places only while it is open (registered and
        running); an independent provider's settings have no pipeline here."""
        if self._in_house.get(provider_id) is False:
            return
        provider = self._get(provider_id, Provider, "provider")
        self._in_house[provider_id] = provider.in_house
        if provider.in_house:
            stage = provider.stage(setting_id)
            if stage != TAKING_CHILDREN:
                raise DomainError(f"This home is {STAGES.get(stage, 'not open').lower()}: it "
                                  "can offer places once it is open", field="setting_id")

    def _own_setting(self, actor: Actor, provider_id: UUID, setting_id: UUID) -> Setting:
        """The one check that a setting is the acting provider's own: the web form, the CLI
        and the demo loader all reach it through the commands."""
        self._check_acting_for(actor, provider_id)
        try:
            return self._setting(provider_id, setting_id)
        except NotFound as error:
            raise NotFound(f"Choose one of your settings: {error.message}",
                           field="setting_id") from None

    def _setting(self, provider_id: UUID, setting_id: UUID) -> Setting:
        """A provider's setting. An independent provider's settings never change once added
        (no event alters or removes one), so they are cached rather than replaying the
        provider for every vacancy; a council's own settings' places change (another process
        may change them), so they are read afresh each time."""
        key = (provider_id, setting_id)
        cached = self._settings.get(key)
        if cached is None:
            provider = self._get(provider_id, Provider, "provider")
            cached = provider.setting(setting_id)
            if not provider.in_house:
                self._settings[key] = cached
        return cached

    def publish_vacancy(self, actor: Actor, *, provider_id: UUID, setting_id: UUID,
                        age_from: int, age_to: int, needs_met: Iterable[str], weekly_fee: int,
                        available_from: date, places: int = 1, expires_on: date | None = None,
                        description: str = "", vacancy_id: UUID | None = None,
                        today: date | None = None) -> tuple[UUID, int]:
        """Publish a place at one of the provider's own settings; returns the vacancy's id and
        the notification id of its first event. ``today`` (by default the portal's clock, in
        UK time) bounds how long ago the place may have become available."""
        setting = self._own_setting(actor, provider_id, setting_id)
        self._check_taking_children(provider_id, setting_id)
        vacancy = Vacancy.publish(
            provider_id=provider_id, setting=setting, actor=actor, id=vacancy_id,
            age_from=age_from, age_to=age_to, needs_met=list(needs_met), weekly_fee=weekly_fee,
            available_from=available_from, places=places, expires_on=expires_on,
            description=description, today=today or self.today())
        return vacancy.id, self._create(vacancy, "This vacancy has already been published")

    def today(self) -> date:
        """Today in UK time, by the portal's clock (which tests and the demo loader set)."""
        return self.clock().astimezone(LONDON).date()

    def get_vacancy(self, vacancy_ref: UUID) -> Vacancy:
        return self._get(vacancy_ref, Vacancy, "vacancy")

    def _own_vacancy(self, actor: Actor, vacancy_ref: UUID) -> Vacancy:
        vacancy = self.get_vacancy(vacancy_ref)
        self._check_acting_for(actor, vacancy.provider_id)
        return vacancy

    @retried_on_clash
    def update_vacancy(self, actor: Actor, vacancy_ref: UUID, reason: str | None = None, *,
                       age_from: int | Keep = KEEP, age_to: int | Keep = KEEP,
                       needs_met: Iterable[str] | Keep = KEEP, weekly_fee: int | Keep = KEEP,
                       available_from: date | Keep = KEEP, places: int | Keep = KEEP,
                       expires_on: date | Keep | None = KEEP,
                       description: str | Keep = KEEP, today: date | None = None,
                       expected_version: int | None = None) -> int:
        """Change a vacancy's terms; a term not given keeps its value. Nothing is stored when
        nothing changes. ``today`` as for :meth:`publish_vacancy`. ``expected_version``: only
        if the vacancy is still at that version (an API client's If-Match), else StaleVersion."""
        changes = kept(age_from=age_from, age_to=age_to, needs_met=needs_met,
                       weekly_fee=weekly_fee, available_from=available_from, places=places,
                       expires_on=expires_on, description=description)
        vacancy = self._own_vacancy(actor, vacancy_ref)
        check_version(vacancy, expected_version)
        setting = self._setting(vacancy.provider_id, vacancy.setting_id)
        vacancy.update(setting, actor=actor, reason=reason, today=today or self.today(),
                       **changes)
        return self._save(vacancy)

    @retried_on_clash
    def withdraw_vacancy(self, actor: Actor, vacancy_ref: UUID, reason: str | None = None, *,
                         expected_version: int | None = None) -> int:
        vacancy = self._own_vacancy(actor, vacancy_ref)
        check_version(vacancy, expected_version)
        vacancy.withdraw(actor=actor, reason=reason)
        return self._save(vacancy)

    @retried_on_clash
    def hold_vacancy(self, actor: Actor, vacancy_ref: UUID, *, home_search_ref: str = "",
                     home_search_id: UUID | None = None, reason: str | None = None,
                     expected_version: int | None = None) -> int:
        """Hold the place for a home search: one sent to the provider through the portal
        (``home_search_id``: its council may then see the vacancy while it is held), or one
        named by its reference only."""
        vacancy = self._own_vacancy(actor, vacancy_ref)
        check_version(vacancy, expected_version)
        holder = None
        if home_search_id is not None:
            try:
                search = self.get_referral(actor, home_search_id)
            except NotFound:
                raise DomainError(NO_SEARCH_TO_HOLD, field="home_search_id") from None
            if search.status not in HOLDABLE:
                raise DomainError("That home search is no longer waiting for a decision, so "
                                  "the place cannot be held for it", field="home_search_id")
            home_search_ref, holder = str(search.id), search.authority_id
        vacancy.hold(home_search_ref=home_search_ref, home_search_id=home_search_id,
                     authority_id=holder, actor=actor, reason=reason)
        return self._save(vacancy)

    @retried_on_clash
    def release_vacancy(self, actor: Actor, vacancy_ref: UUID, reason: str | None = None, *,
                        expected_version: int | None = None) -> int:
        vacancy = self._own_vacancy(actor, vacancy_ref)
        check_version(vacancy, expected_version)
        vacancy.release(actor=actor, reason=reason)
        return self._save(vacancy)

    @retried_on_clash
    def fill_vacancy(self, actor: Actor, vacancy_ref: UUID, *, placement_ref: str | None = None,
                     reason: str | None = None,
                     expected_version: int | None = None) -> int:
        vacancy = self._own_vacancy(actor, vacancy_ref)
        check_version(vacancy, expected_version)
        vacancy.fill(placement_ref=placement_ref, actor=actor, reason=reason)
        return self._save(vacancy)

    @retried_on_clash
    def expire_vacancies(self, vacancy_refs: list[UUID], today: date) -> int:
        """Expire those of the given vacancies whose expiry date is before ``today``."""
        expired = []
        for ref in vacancy_refs:
            vacancy = self.get_vacancy(ref)
            if vacancy.expire(today=today, actor=Actor.system()):
                expired.append(vacancy)
        return self._save(*expired) if expired else self.last_position()
