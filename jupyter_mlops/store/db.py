"""The SQLite database: one engine per home, WAL for concurrent writers, versioned schema.

Each area (runs, schedules, batches, …) owns its tables and an ordered list of migrations
under its own component name, so areas can grow their schema independently: a store
written by an older version is migrated on open, never emptied.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from typing import TypeVar

from jupyter_core.paths import jupyter_data_dir
from pydantic import BaseModel
from sqlalchemy import Connection, Engine, create_engine, event, text

from ..config import settings

Migration = Callable[[Connection], None]
Record = TypeVar("Record", bound=BaseModel)

#: component name → its migrations in order; version N means the first N have run.
_MIGRATIONS: dict[str, list[Migration]] = {}
_engines: dict[str, Engine] = {}  # by the `home` setting (or the data dir it defaults to)
_lock = threading.RLock()


def register_migrations(component: str, migrations: list[Migration]) -> None:
    """Declare a component's schema history. Append to the list; never edit a shipped entry."""
    with _lock:
        _MIGRATIONS[component] = migrations
        for opened in _engines.values():  # a component imported after the store was opened
            _migrate(opened)


def home() -> Path:
    """The `home` setting (`$JUPYTER_MLOPS_HOME`), else `<jupyter data dir>/mlops`."""
    configured = settings().home
    path = Path(configured) if configured else Path(jupyter_data_dir()) / "mlops"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _on_connect(dbapi_connection, _record) -> None:
    # Let SQLAlchemy, not the sqlite3 module, decide when transactions begin (see _on_begin).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    # WAL lets readers and one writer work at once across processes; busy_timeout makes a
    # second writer wait for the lock instead of failing.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def _on_begin(connection: Connection) -> None:
    # Writers take the lock at BEGIN: a transaction that reads then writes can then never
    # fail half-way with "database is locked". Readers use a deferred BEGIN and never block.
    if connection.get_execution_options().get("mlops_read"):
        connection.exec_driver_sql("BEGIN")
    else:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def engine() -> Engine:
    """The engine for the current home, migrated to the latest schema.

    Cached by the `home` setting's value, so that a transaction (a run takes about ten) does
    not look for its folder again."""
    configured = settings().home or jupyter_data_dir()  # what `home` depends on
    with _lock:
        if configured not in _engines:
            created = create_engine(f"sqlite:///{home() / 'mlops.db'}", future=True)
            event.listen(created, "connect", _on_connect)
            event.listen(created, "begin", _on_begin)
            _migrate(created)
            _engines[configured] = created
        return _engines[configured]


def _migrate(target: Engine) -> None:
    with target.begin() as connection:
        connection.exec_driver_sql(
            "CREATE TABLE IF NOT EXISTS schema_versions (component TEXT PRIMARY KEY, version INTEGER NOT NULL)")
        for component, migrations in _MIGRATIONS.items():
            row = connection.execute(text("SELECT version FROM schema_versions WHERE component = :c"),
                                     {"c": component}).first()
            current = row[0] if row else 0
            for migration in migrations[current:]:
                migration(connection)
            if len(migrations) != current:
                connection.execute(text("INSERT OR REPLACE INTO schema_versions VALUES (:c, :v)"),
                                   {"c": component, "v": len(migrations)})


#: Held by this process's writer: its other threads wait for it here, woken as soon as it
#: commits, instead of in SQLite's busy handler, which polls the lock with sleeps of 1, 2, 5 ms
#: and more (a batch's runs, each a thread, write to the store at once all the time).
_writing = threading.RLock()


@contextmanager
def transaction() -> Iterator[Connection]:
    """A short write transaction; it holds the write lock from its first statement."""
    with _writing, engine().begin() as connection:
        yield connection


@contextmanager
def reading() -> Iterator[Connection]:
    with engine().connect().execution_options(mlops_read=True) as connection:
        with connection.begin():
            yield connection


@contextmanager
def updating(table: str, record_id: str, model: type[Record], columns: Callable[[Record], dict[str, object]],
             missing: Exception) -> Iterator[tuple[Connection, Record]]:
    """Read-modify-write of one row's `record` (JSON of `model`) in one write transaction.

    The block changes the yielded record; on leaving it, the row's `columns(record)` are written
    (the record's JSON among them). Raises `missing` when there is no such row; an exception in
    the block writes nothing. Since writers take the lock at BEGIN, no concurrent change is lost.
    """
    with transaction() as connection:
        row = connection.execute(text(f"SELECT record FROM {table} WHERE id = :id"), {"id": record_id}).first()
        if row is None:
            raise missing
        record = model.model_validate_json(row[0])
        yield connection, record
        values = columns(record)
        assignments = ", ".join(f"{column} = :{column}" for column in values)
        connection.execute(text(f"UPDATE {table} SET {assignments} WHERE id = :id"), {**values, "id": record_id})


def where_equal(filters: dict[str, object]) -> tuple[str, dict[str, object]]:
    """`WHERE a = :a AND …` over the filters that are not None (all of them: ""), and its values.

    Keys are column names written by the caller, never taken from a request.
    """
    given = {column: value for column, value in filters.items() if value is not None}
    clause = " AND ".join(f"{column} = :{column}" for column in given)
    return (f"WHERE {clause}" if clause else ""), given


def reset_engines() -> None:
    """Forget cached engines (tests switch JUPYTER_MLOPS_HOME between cases)."""
    with _lock:
        for cached in _engines.values():
            cached.dispose()
        _engines.clear()
