"""An organisation's own identity provider (OpenID Connect), e.g. a council's Microsoft Entra ID.

A platform administrator registers it; its users then sign in through it instead of with a
portal password. The events hold only a *reference* to the client secret (the name of an
environment variable, or the path of a secrets file): the event log is read by auditors and
exported, so the secret itself never enters it.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit
from uuid import UUID, uuid5

from eventsourcing.domain import event

from domain.actor import Actor
from domain.base import PortalAggregate
from domain.errors import DomainError, IllegalTransition
from domain.organisation import NAMESPACE

DISCOVERY_SUFFIX = "/.well-known/openid-configuration"
# Plain http only for a provider on this machine (development and the tests): anything else
# must be https, or codes and tokens would cross the network readable.
LOOPBACK = {"localhost", "127.0.0.1", "::1"}
ENV_NAME = re.compile(r"^[A-Z_][A-Z0-9_]{0,99}$")
DOMAIN = re.compile(r"^(?=.{4,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
MAX_DOMAINS = 20
FIELDS = ("display_name", "discovery_url", "client_id", "client_secret_ref", "allowed_domains")


def identity_provider_id(organisation_id: UUID) -> UUID:
    """One identity provider per organisation, so its id follows from the organisation's."""
    return uuid5(NAMESPACE, f"identity-provider:{organisation_id}")


def issuer_of(discovery_url: str) -> str:
    """The issuer a discovery URL names: OpenID Connect Discovery 1.0 section 4 puts the
    document at the issuer plus ``/.well-known/openid-configuration``, and the issuer in the
    document and in every ID token must be exactly this string."""
    return discovery_url[: -len(DISCOVERY_SUFFIX)]


def normalise_domains(domains: list[str] | str) -> list[str]:
    if isinstance(domains, str):
        domains = re.split(r"[\s,]+", domains)
    return sorted({d.strip().lower().lstrip("@").rstrip(".") for d in domains if d.strip()})


def check_settings(**settings) -> None:
    """Every setting given must be usable; raises DomainError naming the field."""
    if "display_name" in settings:
        name = settings["display_name"].strip()
        if not name:
            raise DomainError("Enter the name users will see, like Kent County Council",
                              field="display_name")
        if len(name) > 100:
            raise DomainError("The name must be 100 characters or fewer", field="display_name")
    if "discovery_url" in settings:
        _check_discovery_url(settings["discovery_url"])
    if "client_id" in settings:
        client_id = settings["client_id"].strip()
        if not client_id or len(client_id) > 200 or any(ch.isspace() for ch in client_id):
            raise DomainError("Enter the client ID the identity provider gave the portal, with "
                              "no spaces", field="client_id")
    if "client_secret_ref" in settings:
        _check_secret_ref(settings["client_secret_ref"])
    if "allowed_domains" in settings:
        domains = settings["allowed_domains"]
        if not domains:
            raise DomainError("Enter at least one email domain, like kent.gov.uk",
                              field="allowed_domains")
        if len(domains) > MAX_DOMAINS:
            raise DomainError(f"Enter {MAX_DOMAINS} email domains or fewer",
                              field="allowed_domains")
        for domain in domains:
            if not DOMAIN.match(domain):
                raise DomainError(f"{domain[:60]} is not an email domain, like kent.gov.uk",
                                  field="allowed_domains")


def _check_discovery_url(url: str) -> None:
    message = ("Enter the discovery URL, ending /.well-known/openid-configuration, like "
               "https://login.microsoftonline.com/<tenant id>/v2.0/.well-known/"
               "openid-configuration")
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError:
        raise DomainError(message, field="discovery_url") from None
    if (len(url) > 500 or not host or parts.query or parts.fragment or parts.username
            or parts.password or not parts.path.endswith(DISCOVERY_SUFFIX)):
        raise DomainError(message, field="discovery_url")
    if parts.scheme != "https" and not (parts.scheme == "http" and host in LOOPBACK):
        raise DomainError("The discovery URL must start https://", field="discovery_url")


def _check_secret_ref(ref: str) -> None:
    kind, _, value = ref.partition(":")
    if kind == "env" and ENV_NAME.match(value):
        return
    if kind == "file" and value.startswith("/") and len(value) <= 300 and "\0" not in value:
        return
    raise DomainError("Enter where the client secret is kept: env: and the name of an "
                      "environment variable, like env:KENT_ENTRA_SECRET, or file: and the full "
                      "path of a secrets file, like file:/run/secrets/kent-entra",
                      field="client_secret_ref")


class IdentityProviderOff(IllegalTransition):
    """The organisation's identity provider is turned off: nobody signs in through it."""


class IdentityProvider(PortalAggregate):
    """One organisation's OpenID Connect identity provider and the email domains it vouches
    for. Only users whose email is in an allowed domain may sign in through it."""

    @staticmethod
    def create_id(organisation_id: UUID) -> UUID:
        return identity_provider_id(organisation_id)

    @event("Registered")
    def __init__(self, *, organisation_id: UUID, display_name: str, discovery_url: str,
                 client_id: str, client_secret_ref: str, allowed_domains: list[str],
                 actor: Actor, reason: str | None) -> None:
        self.organisation_id = organisation_id
        self.display_name = display_name
        self.discovery_url = discovery_url
        self.client_id = client_id
        self.client_secret_ref = client_secret_ref
        self.allowed_domains = list(allowed_domains)
        self.disabled = False

    @classmethod
    def register(cls, *, organisation_id: UUID, actor: Actor, reason: str | None = None,
                 **settings) -> IdentityProvider:
        settings = _clean(settings)
        missing = set(FIELDS) - set(settings)
        if missing:
            raise DomainError(f"Missing settings: {', '.join(sorted(missing))}")
        check_settings(**settings)
        return cls(organisation_id=organisation_id, actor=actor, reason=reason, **settings)

    @property
    def issuer(self) -> str:
        return issuer_of(self.discovery_url)

    def change(self, *, actor: Actor, reason: str | None = None, **settings) -> bool:
        """Change some settings; returns False (and records nothing) when none differ."""
        settings = _clean(settings)
        check_settings(**settings)
        changes = {k: v for k, v in settings.items() if getattr(self, k) != v}
        if not changes:
            return False
        self._changed(changes=changes, actor=actor, reason=reason)
        return True

    @event("Changed")
    def _changed(self, *, changes: dict, actor: Actor, reason: str | None) -> None:
        for key, value in changes.items():
            setattr(self, key, value)

    def disable(self, *, actor: Actor, reason: str | None = None) -> None:
        if self.disabled:
            raise IllegalTransition("This identity provider is already turned off")
        self._disabled(actor=actor, reason=reason)

    @event("Disabled")
    def _disabled(self, *, actor: Actor, reason: str | None) -> None:
        self.disabled = True

    def enable(self, *, actor: Actor, reason: str | None = None) -> None:
        if not self.disabled:
            raise IllegalTransition("This identity provider is already turned on")
        self._enabled(actor=actor, reason=reason)

    @event("Enabled")
    def _enabled(self, *, actor: Actor, reason: str | None) -> None:
        self.disabled = False


def _clean(settings: dict) -> dict:
    unknown = set(settings) - set(FIELDS)
    if unknown:
        raise DomainError(f"These settings do not exist: {', '.join(sorted(unknown))}")
    cleaned = {k: v.strip() if isinstance(v, str) else v for k, v in settings.items()}
    if "allowed_domains" in cleaned:
        cleaned["allowed_domains"] = normalise_domains(cleaned["allowed_domains"])
    return cleaned
