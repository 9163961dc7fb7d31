"""Placement read models: every episode of every child, contracts, targets and imports.

``placement_episodes`` holds one row per SSDA903 episode, keyed by the child's aggregate and
the episode's number. Child-level rows are only ever read through the query functions, which
take the viewer and confine council officers to their own authority. The sufficiency views
are computed from these rows at read time, for any date.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from domain import ssda903
from domain.contract import Contract
from domain.data_import import DataImport
from domain.organisation import Authority
from domain.placement import EPISODE_FIELDS, Placement
from projections import placement_summary as summary
from projections.base import BufferedRows, Projection, handles
from projections.bulk import TableWriter
from projections.database import metadata

placement_children = sa.Table(
    "placement_children",
    metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("authority_id", sa.Uuid, nullable=False),
    sa.Column("child_ref", sa.String(13), nullable=False),
    sa.Column("birth_month", sa.String(7), nullable=False),
    sa.Column("sex", sa.String(1), nullable=False),
    sa.Column("uasc", sa.Boolean, nullable=False),
    sa.Column("episodes", sa.Integer, nullable=False),
    sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
    sa.Index("ix_placement_children_ref", "authority_id", "child_ref", unique=True),
)

placement_episodes = sa.Table(
    "placement_episodes",
    metadata,
    sa.Column("placement_id", sa.Uuid, primary_key=True),
    sa.Column("number", sa.Integer, primary_key=True),
    sa.Column("authority_id", sa.Uuid, nullable=False),
    sa.Column("child_ref", sa.String(13), nullable=False),
    sa.Column("birth_month", sa.String(7), nullable=False),
    sa.Column("sex", sa.String(1), nullable=False),
    sa.Column("uasc", sa.Boolean, nullable=False),
    sa.Column("start", sa.Date, nullable=False),
    sa.Column("end", sa.Date),
    sa.Column("rne", sa.String(1)),
    sa.Column("legal_status", sa.String(2)),
    sa.Column("cin", sa.String(2)),
    sa.Column("place", sa.String(3), nullable=False),
    sa.Column("place_group", sa.String(24), nullable=False),
    sa.Column("place_provider", sa.String(3)),
    sa.Column("provider_id", sa.Uuid),
    sa.Column("setting_id", sa.Uuid),
    sa.Column("urn", sa.String(12)),
    sa.Column("home_postcode", sa.String(8)),
    sa.Column("home_district", sa.String(4)),
    sa.Column("placement_postcode", sa.String(8)),
    sa.Column("placement_district", sa.String(4)),
    sa.Column("placement_authority_id", sa.Uuid),
    sa.Column("reason_place_change", sa.String(6)),
    sa.Column("rec", sa.String(3)),
    sa.Column("weekly_cost", sa.Integer),
    sa.Column("contract_route", sa.String(16)),
    sa.Column("contract_id", sa.Uuid),
    # Children looked after only under short breaks (V3, V4) are not counted by the DfE.
    sa.Column("short_breaks", sa.Boolean, nullable=False),
    sa.Index("ix_placement_episodes_period", "authority_id", "start", "end"),
    sa.Index("ix_placement_episodes_contract", "contract_id"),
)

contracts = sa.Table(
    "contracts",
    metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("authority_id", sa.Uuid, nullable=False, index=True),
    sa.Column("provider_id", sa.Uuid, nullable=False, index=True),
    sa.Column("route", sa.String(16), nullable=False),
    sa.Column("title", sa.String(200), nullable=False),
    sa.Column("setting_type", sa.String(40), nullable=False),
    sa.Column("places", sa.Integer),
    sa.Column("weekly_price", sa.Integer, nullable=False),
    sa.Column("start", sa.Date, nullable=False),
    sa.Column("end", sa.Date, nullable=False),
    sa.Column("terminated_on", sa.Date),
    sa.Column("tender_id", sa.Uuid),
)

authority_targets = sa.Table(
    "authority_targets",
    metadata,
    sa.Column("authority_id", sa.Uuid, primary_key=True),
    sa.Column("name", sa.String(40), primary_key=True),
    sa.Column("value", sa.Float, nullable=False),
)

data_imports = sa.Table(
    "data_imports",
    metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("authority_id", sa.Uuid, nullable=False, index=True),
    sa.Column("kind", sa.String(20), nullable=False),
    sa.Column("file_name", sa.String(255), nullable=False),
    sa.Column("file_sha256", sa.String(64), nullable=False),
    sa.Column("header_sha256", sa.String(64)),
    sa.Column("rows", sa.Integer, nullable=False),
    sa.Column("accepted", sa.Integer, nullable=False),
    sa.Column("rejected", sa.Integer, nullable=False),
    sa.Column("children_changed", sa.Integer, nullable=False),
    sa.Column("user_id", sa.Uuid),
    sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
)


def district_of(postcode: str | None) -> str | None:
    """The district part of a stored postcode sector or district ("DT1 1" -> "DT1")."""
    return postcode.split(" ")[0] if postcode else None


_CHILD = ("authority_id", "child_ref", "birth_month", "sex", "uasc")
_SUMMARY = ("birth_month", "sex", "uasc", "episodes", "changed_at")


def _summary(state: dict[str, Any]) -> dict[str, Any]:
    child = state["child"]
    return {"birth_month": child["birth_month"], "sex": child["sex"], "uasc": child["uasc"],
            "episodes": len(state["episodes"]), "changed_at": state["at"]}


def episode_row(child: dict[str, Any], number: int, episode: dict[str, Any]) -> dict[str, Any]:
    return {
        **child,
        **{f: episode.get(f) for f in EPISODE_FIELDS},
        "number": number,
        "place_group": ssda903.placement_group(episode["place"], episode.get("place_provider")),
        "home_district": district_of(episode.get("home_postcode")),
        "placement_district": district_of(episode.get("placement_postcode")),
        "short_breaks": episode.get("legal_status") in ssda903.SHORT_BREAK_LEGAL_STATUSES,
    }


_CHILDREN = TableWriter(placement_children)
_EPISODES = TableWriter(placement_episodes)


class Placements(Projection):
    name = "placements"
    version = 2  # 2: the monthly summary (placement_flows, placement_open) kept beside the episodes
    tables = (placement_children, placement_episodes, contracts, authority_targets,
              data_imports, summary.placement_flows, summary.placement_open)
    # Only the sufficiency queries read episodes by period or contract, and the summary by
    # month and authority; the projection reads its rows by child or key, so a rebuild builds
    # these once, after the rows.
    deferred_indexes = ("ix_placement_episodes_period", "ix_placement_episodes_contract",
                        *(index.name for index in summary.placement_flows.indexes))

    def __init__(self) -> None:
        # Attributes of their own, so a rolled-back batch discards them (Projection.discard_batch).
        self._flows = BufferedRows(summary.placement_flows, key="key")
        self._open = BufferedRows(summary.placement_open, key="key")
        # In a rebuild (begin_rebuild to end_rebuild) the summary is added up here instead of
        # being read and written back every batch: what the committed batches made of it
        # (``_held``), and the open batch's changes, added to it once that batch commits.
        self._held: summary.Contributions | None = None
        self._uncommitted: summary.Contributions = {}

    def begin_rebuild(self) -> None:
        self._held, self._uncommitted = {}, {}

    def batch_committed(self) -> None:
        if self._held is not None and self._uncommitted:
            summary.add(self._held, self._uncommitted)
        self._uncommitted = {}

    def discard_batch(self) -> None:
        super().discard_batch()
        self._uncommitted = {}

    def end_rebuild(self, connection: sa.Connection | None) -> None:
        """Write the summary the rebuild added up: one insert per table (its shadow tables
        are empty: nothing was written to them before)."""
        held, self._held, self._uncommitted = self._held, None, {}
        if connection is None or not held:
            return
        for name, rows in summary.rows_of(held).items():
            TableWriter(summary.TABLES[name]).insert(connection, rows)

    # --- placements ---------------------------------------------------------------------------

    @staticmethod
    def _child(c: sa.Connection, placement_id) -> dict[str, Any]:
        row = c.execute(sa.select(
            placement_children.c.authority_id, placement_children.c.child_ref,
            placement_children.c.birth_month, placement_children.c.sex,
            placement_children.c.uasc,
        ).where(placement_children.c.id == placement_id)).mappings().one()
        return {"placement_id": placement_id, **row}

    @staticmethod
    def _episodes(c: sa.Connection, placement_id) -> list[dict[str, Any]]:
        rows = c.execute(sa.select(placement_episodes)
                         .where(placement_episodes.c.placement_id == placement_id)
                         .order_by(placement_episodes.c.number)).mappings()
        return [{f: row[f] for f in EPISODE_FIELDS} for row in rows]

    # A batch's children are changed in memory and written once at its end, with one
    # executemany statement per table: building a statement per event cost far more than the
    # event itself (1.7 ms an event; 0.15 ms batched).

    def begin_batch(self, c: sa.Connection) -> None:
        self._batch: dict[Any, dict[str, Any]] = {}

    def _state(self, c: sa.Connection, placement_id) -> dict[str, Any]:
        state = self._batch.get(placement_id)
        if state is None:
            child, episodes = self._child(c, placement_id), self._episodes(c, placement_id)
            # What the child adds to the summary as stored, taken off when it is written back.
            state = {"child": child, "new": False, "episodes": episodes,
                     "summed": summary.contributions(child, episodes)}
            self._batch[placement_id] = state
        return state

    @handles(Placement.Started)
    def started(self, c: sa.Connection, e: Placement.Started) -> None:
        child = dict(placement_id=e.originator_id, authority_id=e.authority_id,
                     child_ref=e.child_ref, birth_month=e.birth_month, sex=e.sex, uasc=e.uasc)
        self._batch[e.originator_id] = {"child": child, "new": True, "at": e.timestamp,
                                        "episodes": [dict(e.episode)]}

    @handles(Placement.Changed, Placement.Ended, Placement.Restarted, Placement.Corrected,
             Placement.Reconciled)
    def changed(self, c: sa.Connection, e: Any) -> None:
        state = self._state(c, e.originator_id)
        child, episodes = state["child"], state["episodes"]
        if isinstance(e, Placement.Changed):
            episodes[-1].update(end=e.on, rec=ssda903.CONTINUING)
            episodes.append(dict(e.episode))
        elif isinstance(e, Placement.Ended):
            episodes[-1].update(end=e.on, rec=e.rec)
        elif isinstance(e, Placement.Restarted):
            episodes.append(dict(e.episode))
        elif isinstance(e, Placement.Reconciled):
            state["episodes"] = [dict(ep) for ep in e.episodes]
        elif e.episode_number is None:
            child.update(e.changes)
        else:
            episodes[e.episode_number - 1].update(e.changes)
        state["at"] = e.timestamp

    def end_batch(self, c: sa.Connection) -> None:
        """Replace each changed child's episode rows (a child has a handful; simpler than
        patching) and write its summary row."""
        changed = [s for s in self._batch.values() if "at" in s]
        self._batch = {}
        if not changed:
            return
        old = [s for s in changed if not s["new"]]
        if old:
            _EPISODES.delete(c, [s["child"]["placement_id"] for s in old],
                             column="placement_id")
            _CHILDREN.update(c, [{**_summary(s), "id": s["child"]["placement_id"]}
                                 for s in old])
        _CHILDREN.insert(c, [
            {"id": s["child"]["placement_id"], **{k: s["child"][k] for k in _CHILD},
             **_summary(s)} for s in changed if s["new"]])
        _EPISODES.insert(c, [
            episode_row(s["child"], n, ep) for s in changed
            for n, ep in enumerate(s["episodes"], start=1)])
        self._add_to_summary(c, changed)

    def _add_to_summary(self, c: sa.Connection, changed: list[dict[str, Any]]) -> None:
        """Take each changed child's old episodes off the monthly summary and add its new
        ones (:mod:`projections.placement_summary`): one read of the rows they touch, one
        write back; in a rebuild, added to the summary held in memory once the batch
        commits (read and written back every batch, the summary cost a rebuild as much as
        everything else the projection does)."""
        deltas: summary.Contributions = {}
        for s in changed:
            summary.add(deltas, summary.difference(
                summary.contributions(s["child"], s["episodes"]), s.get("summed", {})))
        if self._held is not None:
            self._uncommitted = deltas
            return
        for rows in (self._flows, self._open):
            name = rows.table.name
            keys = [key for table, key in deltas if table == name]
            rows.load(c, keys)
            for key in keys:
                row = rows.get(key) or summary.new_row(name, key)
                for figure, value in deltas[name, key].items():
                    row[figure] += value
                if summary.is_empty(name, row):
                    rows.delete(key)
                else:
                    rows.put(row)
            rows.flush(c)

    # --- contracts, targets, imports ----------------------------------------------------------

    @handles(Contract.Recorded)
    def contract_recorded(self, c: sa.Connection, e: Contract.Recorded) -> None:
        c.execute(contracts.insert().values(
            id=e.originator_id, authority_id=e.authority_id, provider_id=e.provider_id,
            route=e.route, title=e.title, setting_type=e.setting_type, places=e.places,
            weekly_price=e.weekly_price, start=e.start, end=e.end, tender_id=e.tender_id))

    @handles(Contract.Varied)
    def contract_varied(self, c: sa.Connection, e: Contract.Varied) -> None:
        c.execute(contracts.update().where(contracts.c.id == e.originator_id)
                  .values(**e.changes))

    @handles(Contract.Terminated)
    def contract_terminated(self, c: sa.Connection, e: Contract.Terminated) -> None:
        c.execute(contracts.update().where(contracts.c.id == e.originator_id)
                  .values(terminated_on=e.on))

    @handles(Authority.TargetsSet)
    def targets_set(self, c: sa.Connection, e: Authority.TargetsSet) -> None:
        c.execute(authority_targets.delete()
                  .where(authority_targets.c.authority_id == e.originator_id))
        if e.targets:
            c.execute(authority_targets.insert(), [
                {"authority_id": e.originator_id, "name": k, "value": v}
                for k, v in e.targets.items()])

    @handles(DataImport.Completed)
    def import_completed(self, c: sa.Connection, e: DataImport.Completed) -> None:
        c.execute(data_imports.insert().values(
            id=e.originator_id, authority_id=e.authority_id, kind=e.kind,
            file_name=e.file_name, file_sha256=e.file_sha256, header_sha256=e.header_sha256,
            rows=e.rows, accepted=e.accepted, rejected=e.rejected,
            children_changed=e.children_changed, user_id=e.actor.user_id,
            imported_at=e.timestamp))
