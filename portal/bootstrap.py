"""The composition root: builds the event-sourced application, the read-model engine and the
projection runner from settings. Tests call it with their own settings; nothing is global."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from auth.credentials import Credentials
from domain.application import Portal
from projections.database import Database
from projections.registry import all_projections
from projections.runner import ProjectionRunner


@dataclass
class Services:
    database: Database
    portal: Portal
    engine: sa.Engine
    projections: ProjectionRunner
    credentials: Credentials

    def close(self) -> None:
        self.portal.close()
        self.engine.dispose()


def bootstrap(database_url: str, *, projections_inline: bool = True) -> Services:
    database = Database.from_url(database_url)
    # On PostgreSQL, fail at once with the server's reason (no such database, connection
    # refused) rather than eventsourcing's pool timing out without one.
    database.check_reachable()
    portal = Portal(env=database.event_store_env())
    engine = database.create_engine()
    runner = ProjectionRunner(portal, engine, all_projections(), inline=projections_inline)
    runner.setup()
    credentials = Credentials(engine)
    credentials.setup()
    return Services(database=database, portal=portal, engine=engine, projections=runner,
                    credentials=credentials)
