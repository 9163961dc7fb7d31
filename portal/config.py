"""Configuration from the environment. Every setting has a safe default for `make run`."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from limits.storage import SCHEMES

from portal.links import checked_portal_url, local_portal_url
from projections.database import ConfigurationError, Database

INSTANCE = Path(os.environ.get("PORTAL_INSTANCE_DIR", Path.cwd() / "instance"))


def _secret_key(instance: Path) -> str:
    """SECRET_KEY from the environment, or one generated once and kept in instance/."""
    if os.environ.get("SECRET_KEY"):
        return os.environ["SECRET_KEY"]
    key_file = instance / "secret_key"
    if not key_file.exists():
        instance.mkdir(parents=True, exist_ok=True)
        key_file.write_text(secrets.token_hex(32))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


@dataclass(frozen=True)
class Settings:
    database_url: str
    secret_key: str
    # Apply pending events in the web process before reading (true unless a separate
    # projection process runs, as in production on PostgreSQL).
    projections_inline: bool
    secure_cookies: bool
    # How many reverse proxies (a load balancer, nginx) stand in front of the portal and set
    # X-Forwarded-For/-Proto/-Host. 0 (the default) trusts no such header: a client could
    # forge one to dodge the sign-in lockout and rate limits, keyed on its address.
    trusted_proxies: int = 0
    # Where the portal is served: every absolute link (e-mails, single sign-on) is built from
    # it, never from the request (portal/links.py). PORTAL_URL, required in production; for a
    # local run without it, http://127.0.0.1:PORT.
    portal_url: str = local_portal_url(None)
    # True when PORTAL_URL was set: then a request for any other host is refused (400).
    portal_url_configured: bool = False
    # Where uploaded returns wait to be imported (raw child ids: swept, owner-only).
    upload_dir: Path = INSTANCE / "uploads"
    # How old a claimed idempotency key without a response must be before a retry takes it
    # over (its request's process died): longer than the web server's worker timeout.
    idempotency_claim_seconds: int = 120
    # The instance folder when one is given explicitly (the keys, the audit witness): None
    # leaves it to the store (beside a SQLite file; PORTAL_INSTANCE_DIR on PostgreSQL).
    instance: Path | None = None
    # Where the rate limits (the API's per client, the sign-in pages' per address) are
    # counted: memory:// counts in each worker process on its own; a store every worker
    # shares (redis://host:6379, or any storage the limits library knows) counts once.
    ratelimit_storage_uri: str = "memory://"

    @classmethod
    def from_environment(cls, **overrides) -> Settings:
        given = overrides.pop("instance", None)
        instance = Path(given) if given is not None else INSTANCE
        database_url = overrides.pop(
            "database_url",
            os.environ.get("DATABASE_URL", f"sqlite:///{instance / 'portal.db'}"),
        )
        database = Database.from_url(database_url)  # fail fast on a bad URL
        inline_default = "true"
        secure_cookies = overrides.pop(
            "secure_cookies", _flag(os.environ.get("SECURE_COOKIES", "false")))
        configured = overrides.pop("portal_url", os.environ.get("PORTAL_URL", "")) or ""
        if not configured.strip() and (not database.is_sqlite or secure_cookies):
            raise ConfigurationError(
                "PORTAL_URL must be set in production (a PostgreSQL DATABASE_URL, or "
                "SECURE_COOKIES=true): the portal's address, like "
                "https://portal.example.gov.uk, from which the links in its e-mails are built")
        settings = cls(
            database_url=database_url,
            secret_key=overrides.pop("secret_key", None) or _secret_key(instance),
            projections_inline=overrides.pop(
                "projections_inline",
                _flag(os.environ.get("PROJECTIONS_INLINE", inline_default)),
            ),
            secure_cookies=secure_cookies,
            trusted_proxies=overrides.pop(
                "trusted_proxies", _count(os.environ.get("TRUSTED_PROXIES", "0"))),
            portal_url=(checked_portal_url(configured) if configured.strip()
                        else local_portal_url(os.environ.get("PORT"))),
            portal_url_configured=bool(configured.strip()),
            upload_dir=Path(overrides.pop("upload_dir", os.environ.get(
                "IMPORT_UPLOAD_DIR", instance / "uploads"))),
            idempotency_claim_seconds=overrides.pop(
                "idempotency_claim_seconds",
                _seconds(os.environ.get("IDEMPOTENCY_CLAIM_SECONDS", "120"))),
            instance=Path(given) if given is not None else None,
            ratelimit_storage_uri=_storage_uri(overrides.pop(
                "ratelimit_storage_uri",
                os.environ.get("RATELIMIT_STORAGE_URI", "").strip() or "memory://")),
        )
        if overrides:
            raise ConfigurationError(f"Unknown settings: {', '.join(sorted(overrides))}")
        return settings


def _seconds(value: str) -> int:
    if not value.strip().isdigit() or not 5 <= int(value) <= 86_400:
        raise ConfigurationError(
            f"IDEMPOTENCY_CLAIM_SECONDS must be a whole number of seconds from 5 to 86400, "
            f"got {value!r}")
    return int(value)


def _storage_uri(value: str) -> str:
    """A storage the limits library knows and a (synchronous) Flask app can use."""
    scheme = value.partition("://")[0]
    usable = sorted(name for name in SCHEMES if not name.startswith("async+"))
    if "://" not in value or scheme not in usable:
        known = ", ".join(f"{name}://" for name in usable)
        raise ConfigurationError(
            f"RATELIMIT_STORAGE_URI must name a storage the limits library knows ({known}), "
            f"like redis://localhost:6379, got one with scheme {scheme!r}")
    return value


def _count(value: str) -> int:
    if not value.strip().isdigit() or int(value) > 5:
        raise ConfigurationError(
            f"TRUSTED_PROXIES must be a number of proxies from 0 to 5, got {value!r}")
    return int(value)


def _flag(value: str) -> bool:
    lowered = value.strip().lower()
    if lowered in ("1", "true", "yes", "on"):
        return True
    if lowered in ("0", "false", "no", "off", ""):
        return False
    raise ConfigurationError(f"Expected true or false, got {value!r}")
