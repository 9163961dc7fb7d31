"""Where projection snapshots are kept (taken and restored by :mod:`projections.timetravel`).

A table of its own module, so that the runner can delete the snapshots of a projection it
rebuilds after a version change without importing "as at" (which imports the runner).
"""

from __future__ import annotations

import sqlalchemy as sa

from projections.database import metadata

projection_snapshots = sa.Table(
    "projection_snapshots",
    metadata,
    sa.Column("name", sa.String(64), primary_key=True),
    sa.Column("position", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("taken_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("payload", sa.LargeBinary, nullable=False),
    # HMAC-SHA256 of (format, name, position, payload); empty in snapshots stored before
    # snapshots were signed, which are never used.
    sa.Column("signature", sa.LargeBinary(32), nullable=True),
)
