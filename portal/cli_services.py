"""How a ``portal`` command opens the services (the composition root) from the environment,
shared by every command group so none of them imports ``portal.cli``."""

from __future__ import annotations

import click

from portal.bootstrap import Services, bootstrap
from portal.config import Settings
from projections.database import ConfigurationError


def open_settings() -> Settings:
    """The settings from the environment, or a clear ClickException when they are wrong."""
    try:
        return Settings.from_environment()
    except ConfigurationError as error:
        raise click.ClickException(str(error)) from None


def open_services(projections_inline: bool = True, upgrade: bool | None = None) -> Services:
    """The portal's services for a command, or a clear ClickException when the settings are
    wrong or the database cannot be opened. ``upgrade`` (default: ``projections_inline``)
    rebuilds first the projections whose tables another version built."""
    return open_services_at(None, projections_inline=projections_inline, upgrade=upgrade)


def open_services_at(database_url: str | None, projections_inline: bool = True,
                     upgrade: bool | None = None) -> Services:
    """As :func:`open_services`, on ``database_url`` when given (a command's ``--database``)."""
    url = database_url or open_settings().database_url
    try:
        return bootstrap(url, projections_inline=projections_inline, upgrade=upgrade)
    except Exception as error:  # the database is unreachable or unusable
        raise click.ClickException(f"Cannot open the database: {error}") from None
