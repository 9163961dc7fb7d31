"""Raw access to the stored events, to play the part of someone rewriting history."""

from __future__ import annotations

import sqlalchemy as sa


class StoredEvents:
    def __init__(self, services) -> None:
        self.engine = services.engine
        self.table = services.database.events_table
        self.id = "rowid" if services.database.is_sqlite else "notification_id"

    def _run(self, sql: str, **params):
        with self.engine.begin() as c:
            return c.execute(sa.text(sql), params)

    def positions(self) -> list[int]:
        return list(self._run(f"SELECT {self.id} FROM {self.table} ORDER BY {self.id}").scalars())

    def row(self, position: int) -> dict:
        return dict(self._run(
            f"SELECT originator_id, originator_version, topic, state FROM {self.table} "
            f"WHERE {self.id} = :p", p=position).mappings().one())

    def write(self, position: int, **values) -> None:
        sets = ", ".join(f"{k} = :{k}" for k in values)
        self._run(f"UPDATE {self.table} SET {sets} WHERE {self.id} = :p", p=position, **values)

    def delete(self, position: int, renumber: bool = False) -> None:
        self._run(f"DELETE FROM {self.table} WHERE {self.id} = :p", p=position)
        if renumber:
            for later in self.positions():
                if later > position:
                    self._run(f"UPDATE {self.table} SET {self.id} = :n WHERE {self.id} = :o",
                              n=later - 1, o=later)

    def insert(self, position: int, row: dict) -> None:
        """Insert ``row`` at ``position``, renumbering every later event up by one."""
        for later in reversed(self.positions()):
            if later >= position:
                self._run(f"UPDATE {self.table} SET {self.id} = :n WHERE {self.id} = :o",
                          n=later + 1, o=later)
        self._run(f"INSERT INTO {self.table} ({self.id}, originator_id, originator_version, "
                  f"topic, state) VALUES (:p, :originator_id, :originator_version, :topic, "
                  f":state)", p=position, **row)

    def swap(self, p: int, q: int) -> None:
        first, second = self.row(p), self.row(q)
        self.write(p, originator_version=-1)
        self.write(q, **first)
        self.write(p, **second)

    def truncate_from(self, position: int) -> None:
        self._run(f"DELETE FROM {self.table} WHERE {self.id} >= :p", p=position)
