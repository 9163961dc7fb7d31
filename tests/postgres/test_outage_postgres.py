"""A PostgreSQL database that is read-only (a standby, or default_transaction_read_only) or
cannot be reached: recognised from the server's own SQLSTATE, and reported by the health
check. See tests/projections/test_outage.py for SQLite."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from portal.bootstrap import bootstrap
from projections import outage

pytestmark = pytest.mark.postgres


def test_a_read_only_database_is_reported_and_its_refusals_recognised(postgres_url):
    svc = bootstrap(postgres_url)
    try:
        assert outage.check(svc.engine) is None
        name = svc.engine.url.database
        with svc.engine.connect() as c:
            c.execute(sa.text(f'ALTER DATABASE "{name}" SET default_transaction_read_only = on'))
            c.commit()
        svc.engine.dispose()  # new connections start read-only
        assert outage.check(svc.engine) == outage.READ_ONLY
        with pytest.raises(sa.exc.DBAPIError) as refused, svc.engine.begin() as c:
            c.execute(sa.text("CREATE TABLE written (x int)"))
        assert outage.problem(refused.value) == outage.READ_ONLY
    finally:
        svc.engine.dispose()
        svc.close()


def test_a_server_that_cannot_be_reached_is_unavailable():
    engine = sa.create_engine("postgresql+psycopg://postgres@127.0.0.1:1/none",
                              connect_args={"connect_timeout": 2})
    assert outage.check(engine) == outage.UNAVAILABLE
