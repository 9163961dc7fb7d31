"""The deployment's public key and its signed checkpoints, for partners' auditors to keep."""

from __future__ import annotations

import json

import sqlalchemy as sa
from flask import Blueprint, Response, render_template

from portal.security import requires, services
from projections.audit.checkpoints import Checkpoint, audit_checkpoints, stored_checkpoints
from projections.audit.log import tree_state
from projections.audit.signing import public_key_text

bp = Blueprint("checkpoints", __name__, url_prefix="/audit/checkpoints")


@bp.get("/")
@requires("audit.read")
def index():
    svc = services()
    with svc.engine.connect() as c:
        # One checkpoint a command: read the latest 50, not every one.
        latest = [Checkpoint.from_row(row) for row in c.execute(
            sa.select(audit_checkpoints).order_by(audit_checkpoints.c.id.desc()).limit(50))
            .mappings()]
        total = c.execute(sa.select(sa.func.count()).select_from(audit_checkpoints)).scalar()
        size, position, root = tree_state(c)
    return render_template(
        "audit_checkpoints/index.html", checkpoints=latest, total=total,
        public_key=public_key_text(svc.checkpoints.key.public_key),
        key_id=svc.checkpoints.key.key_id, deployment=svc.checkpoints.deployment,
        tree_size=size, tree_position=position, tree_root=root.hex())


@bp.get("/checkpoints.jsonl")
@requires("audit.read")
def download():
    """Every signed checkpoint as JSON lines: the partner's own witness copy."""
    svc = services()
    with svc.engine.connect() as c:
        lines = [json.dumps(cp.as_json()) + "\n" for cp in stored_checkpoints(c)]
    return Response("".join(lines), mimetype="application/x-ndjson", headers={
        "Content-Disposition": f'attachment; filename="{svc.checkpoints.deployment}'
                               '-checkpoints.jsonl"'})
