"""Writing a batch's rows straight through the database driver, one statement per table.

SQLAlchemy's ``connection.execute(table.insert(), rows)`` builds every row's parameters through
its compiled statement (a dict per row, key lookups, type processing per value): in a rebuild
that costs as much as SQLite's own work. A :class:`TableWriter` renders each statement once and
converts values with the same bind processors SQLAlchemy would use (so what is stored is
identical), then hands the driver plain tuples: ``executemany`` on SQLite, ``COPY`` on
PostgreSQL for inserts. It writes in the connection's open transaction, so the rows commit or
roll back with the batch and its tracking position.

Statements are rendered from the table's own metadata, every name quoted by the dialect (no
value is ever part of the text: hence the ``noqa: S608``). It honours the connection's
``schema_translate_map`` (a rebuild writes into shadow tables in another schema;
:mod:`projections.shadow`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import sqlalchemy as sa

from projections import changes

Processor = Callable[[Any], Any] | None


class TableWriter:
    """Inserts, deletes and updates many rows of one table with one statement each."""

    def __init__(self, table: sa.Table) -> None:
        self.table = table
        self.columns = {column.name: column for column in table.columns}
        # SQLAlchemy fills Python-side defaults itself; rows of such tables take its path.
        self._python_defaults = any(
            column.default is not None or column.onupdate is not None
            for column in table.columns)
        self._processors: dict[tuple[str, str], Processor] = {}
        self._converters: dict[tuple[str, tuple[str, ...]], Callable[[dict], tuple]] = {}

    # --- rendering ------------------------------------------------------------------------

    def _name(self, connection: sa.Connection) -> str:
        preparer = connection.dialect.identifier_preparer
        name = preparer.quote(self.table.name)
        translate = connection.get_execution_options().get("schema_translate_map") or {}
        schema = translate.get(self.table.schema, self.table.schema)
        return f"{preparer.quote_schema(schema)}.{name}" if schema else name

    def _processor(self, dialect: sa.Dialect, column: str) -> Processor:
        key = (dialect.name, column)
        if key not in self._processors:
            column_type = self.columns[column].type
            self._processors[key] = column_type.dialect_impl(dialect).bind_processor(dialect)
        return self._processors[key]

    def _converter(self, dialect: sa.Dialect, names: Sequence[str]
                   ) -> Callable[[dict], tuple]:
        """A function from a row dict to the driver's tuple for columns ``names``, compiled
        once (one expression per column, no loop): conversion runs for every value written."""
        key = (dialect.name, tuple(names))
        if key in self._converters:
            return self._converters[key]
        namespace: dict[str, Any] = {}
        parts = []
        for n, name in enumerate(names):
            process = self._processor(dialect, name)
            column_type = self.columns[name].type
            if process is None:
                parts.append(f"row[{name!r}]")
            elif (isinstance(column_type, sa.Uuid) and column_type.as_uuid
                  and not (dialect.supports_native_uuid and column_type.native_uuid)):
                # SQLAlchemy's own processor for a UUID kept as text: its hex.
                parts.append(f"None if (v{n} := row[{name!r}]) is None else v{n}.hex")
            elif (fast := _isoformat_for(process)) is not None:
                # A date or time stored as text in exactly ``isoformat``'s form: the C method
                # for a plain date or datetime, SQLAlchemy's processor for anything else.
                kind, text = fast
                namespace[f"p{n}"], namespace[f"k{n}"] = process, kind
                parts.append(f"None if (v{n} := row[{name!r}]) is None else "
                             f"{text.format(f'v{n}')} if v{n}.__class__ is k{n} else p{n}(v{n})")
            else:
                namespace[f"p{n}"] = process
                parts.append(f"None if (v{n} := row[{name!r}]) is None else p{n}(v{n})")
        source = f"def convert(row):\n    return ({', '.join(parts)},)\n"
        exec(compile(source, f"<{self.table.name} row>", "exec"), namespace)  # noqa: S102
        self._converters[key] = namespace["convert"]
        return namespace["convert"]

    @staticmethod
    def _marker(connection: sa.Connection) -> str:
        return "?" if connection.dialect.paramstyle == "qmark" else "%s"

    # --- writing --------------------------------------------------------------------------

    def insert(self, connection: sa.Connection, rows: Sequence[dict]) -> None:
        """Insert ``rows`` (dicts keyed by column name; a row may leave out columns the
        database fills, e.g. server defaults, as long as every row leaves out the same)."""
        if not rows:
            return
        changes.note(self.table)
        if self._python_defaults:
            connection.execute(self.table.insert(), list(rows))
            return
        groups: dict[tuple[str, ...], list[dict]] = {}
        for row in rows:
            groups.setdefault(tuple(row), []).append(row)
        dialect = connection.dialect
        for names, group in groups.items():
            unknown = [n for n in names if n not in self.columns]
            if unknown:
                raise KeyError(f"{self.table.name} has no column {unknown[0]}")
            convert = self._converter(dialect, names)
            quoted = ", ".join(dialect.identifier_preparer.quote(n) for n in names)
            if dialect.name == "postgresql":
                _run(connection, f"COPY {self._name(connection)} ({quoted}) FROM STDIN",
                     [convert(row) for row in group], copy=True)
            else:
                markers = ", ".join([self._marker(connection)] * len(names))
                _run(connection, f"INSERT INTO {self._name(connection)} ({quoted}) "  # noqa: S608
                     f"VALUES ({markers})", [convert(row) for row in group])

    def insert_stored(self, connection: sa.Connection, rows: Sequence[Sequence]) -> None:
        """Insert rows given exactly as the driver stores them, one value for every column
        in the table's order (e.g. as read back from the same kind of database): nothing is
        converted on the way."""
        if not rows:
            return
        changes.note(self.table)
        preparer = connection.dialect.identifier_preparer
        quoted = ", ".join(preparer.quote(n) for n in self.columns)
        markers = ", ".join([self._marker(connection)] * len(self.columns))
        _run(connection, f"INSERT INTO {self._name(connection)} ({quoted}) "  # noqa: S608
             f"VALUES ({markers})", rows)

    def delete(self, connection: sa.Connection, keys: Iterable[Any],
               column: str = "id") -> None:
        """Delete the rows whose ``column`` is one of ``keys``."""
        self.delete_where(connection, [{column: key} for key in keys])

    def delete_where(self, connection: sa.Connection, matches: Sequence[dict]) -> None:
        """Delete, for each dict of ``matches``, the rows equal to it in all its columns
        (every dict names the same columns)."""
        if not matches:
            return
        changes.note(self.table)
        names = tuple(matches[0])
        convert = self._converter(connection.dialect, names)
        preparer = connection.dialect.identifier_preparer
        marker = self._marker(connection)
        where = " AND ".join(f"{preparer.quote(n)} = {marker}" for n in names)
        _run(connection, f"DELETE FROM {self._name(connection)} WHERE {where}",  # noqa: S608
             [convert(m) for m in matches])

    def update(self, connection: sa.Connection, rows: Sequence[dict],
               key: Sequence[str] = ("id",)) -> None:
        """Set, in each row named by its ``key`` columns, the other columns it holds (every
        row holds the same columns)."""
        if not rows:
            return
        names = tuple(rows[0])
        changed = [n for n in names if n not in key]
        if not changed:
            return
        changes.note(self.table)
        convert = self._converter(connection.dialect, [*changed, *key])
        preparer = connection.dialect.identifier_preparer
        marker = self._marker(connection)
        assignments = ", ".join(f"{preparer.quote(n)} = {marker}" for n in changed)
        where = " AND ".join(f"{preparer.quote(n)} = {marker}" for n in key)
        _run(connection,
             f"UPDATE {self._name(connection)} SET {assignments} WHERE {where}",  # noqa: S608
             [convert(row) for row in rows])


_DATE_SAMPLES = (date(2024, 2, 29), date(1, 1, 1), date(999, 12, 31), date(9999, 12, 31))
_DATETIME_SAMPLES = (
    datetime(2024, 2, 29, 13, 5, 9, 123456), datetime(2024, 2, 29, 13, 5, 9),
    datetime(2024, 3, 31, 1, 0, 0, 1, tzinfo=UTC), datetime(1, 1, 1), datetime(999, 1, 2, 3),
    datetime(2024, 10, 27, 1, 30, tzinfo=timezone(timedelta(hours=1))),
    datetime(9999, 12, 31, 23, 59, 59, 999999, tzinfo=timezone(-timedelta(hours=5))))
# How a plain date or datetime may be rendered by its C ``isoformat``, with what the result
# must equal for every sample (SQLite's default storage formats: the datetime without offset).
_ISOFORMATS = ((date, "{}.isoformat()", _DATE_SAMPLES, lambda v: v.isoformat()),
               (datetime, '{}.isoformat(" ", "microseconds")[:26]', _DATETIME_SAMPLES,
                lambda v: v.isoformat(" ", "microseconds")[:26]))


def _isoformat_for(process: Callable[[Any], Any]) -> tuple[type, str] | None:
    """``(type, expression)`` when ``process`` renders every date (or datetime) sample exactly
    as its ``isoformat`` does (SQLite's text dates: about a fifth of a rebuild's conversion
    time goes to formatting them field by field); None otherwise, e.g. a custom storage
    format, or a processor for anything else."""
    for kind, text, samples, render in _ISOFORMATS:
        try:
            if all(process(v) == render(v) for v in samples):
                return kind, text
        except (TypeError, ValueError, AttributeError):
            continue
    return None


def _run(connection: sa.Connection, sql: str, values: list[tuple], copy: bool = False) -> None:
    """Run ``sql`` once per tuple of ``values`` (or COPY them in) on the connection's driver
    connection, in its transaction. The driver's errors are raised as SQLAlchemy's (an
    ``IntegrityError`` stays one; a lost connection or a locked database is an
    ``OperationalError``, which the runner treats as passing), as ``connection.execute``
    would raise them."""
    dbapi_error = connection.dialect.loaded_dbapi.Error
    cursor = connection.connection.cursor()
    try:
        if copy:
            with cursor.copy(sql) as stream:
                for value in values:
                    stream.write_row(value)
        else:
            cursor.executemany(sql, values)
    except dbapi_error as error:
        raise sa.exc.DBAPIError.instance(sql, None, error, dbapi_error) from error
    finally:
        cursor.close()
