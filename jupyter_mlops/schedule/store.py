"""Schedule rows: the spec as JSON plus the columns the loop queries.

`next_fire` (epoch seconds, NULL while paused) is indexed, so the loop finds the earliest
fire and the due schedules in O(log n) whatever the number of schedules, and adding or
removing one costs the same with ten or ten thousand. Times are epoch seconds (REAL) so
they compare exactly in SQL; the models carry datetimes.
"""

from __future__ import annotations

import json
import secrets
from datetime import datetime, timezone

from sqlalchemy import Connection, text

from ..errors import ScheduleError, ScheduleNotFoundError
from ..store import db
from ..store import runs as _runs  # noqa: F401  the runs table, which the last-run column reads
from ..store.versions import NotebookVersion
from ..run.model import RunStatus
from .cron import describe
from ..notify.model import Notify
from .model import Schedule, ScheduleSpec


def _create_tables(connection: Connection) -> None:
    connection.exec_driver_sql("""
        CREATE TABLE schedules (
            id TEXT PRIMARY KEY,
            name TEXT NOT NULL UNIQUE,
            spec TEXT NOT NULL,
            paused INTEGER NOT NULL DEFAULT 0,
            source TEXT,
            created_at REAL NOT NULL,
            updated_at REAL NOT NULL,
            next_fire REAL
        )""")
    connection.exec_driver_sql("CREATE INDEX schedules_by_next_fire ON schedules (next_fire)")
    connection.exec_driver_sql("CREATE INDEX schedules_by_source ON schedules (source)")
    # One row per fire and per attempt. The unique key is what makes a fire happen once even
    # if two schedulers ever raced past the lease: the second insert fails the transaction.
    connection.exec_driver_sql("""
        CREATE TABLE schedule_fires (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            schedule_id TEXT NOT NULL REFERENCES schedules (id) ON DELETE CASCADE,
            fire_time REAL NOT NULL,
            attempt INTEGER NOT NULL DEFAULT 0,
            state TEXT NOT NULL,
            not_before REAL NOT NULL,
            run_id TEXT,
            detail TEXT,
            created_at REAL NOT NULL,
            finished_at REAL,
            UNIQUE (schedule_id, fire_time, attempt)
        )""")
    connection.exec_driver_sql("CREATE INDEX fires_by_state ON schedule_fires (state, not_before)")
    connection.exec_driver_sql("CREATE INDEX fires_by_schedule ON schedule_fires (schedule_id, id)")
    connection.exec_driver_sql("""
        CREATE TABLE scheduler_lease (
            id INTEGER PRIMARY KEY CHECK (id = 1),
            holder TEXT NOT NULL,
            expires_at REAL NOT NULL,
            acquired_at REAL NOT NULL
        )""")


def _add_description(connection: Connection) -> None:
    # The cron in words, computed on write: describing thousands of crons on every list is slow.
    connection.exec_driver_sql("ALTER TABLE schedules ADD COLUMN description TEXT")


def _add_version(connection: Connection) -> None:
    # The pinned notebook version (sha256 in notebook_versions); NULL when following the file.
    connection.exec_driver_sql("ALTER TABLE schedules ADD COLUMN version TEXT")


db.register_migrations("schedules", [_create_tables, _add_description, _add_version])


def epoch(moment: datetime) -> float:
    return moment.timestamp()


def moment(seconds: float | None) -> datetime | None:
    return None if seconds is None else datetime.fromtimestamp(seconds, timezone.utc)


def new_schedule_id() -> str:
    return f"sch-{secrets.token_hex(6)}"  # 48 bits: two of 10,000 ids collide with odds of 1 in 5 million


_SELECT = """
    SELECT s.id, s.name, s.spec, s.paused, s.source, s.created_at, s.updated_at, s.next_fire, s.description,
           (SELECT r.id || ' ' || r.status FROM runs r WHERE r.schedule_id = s.id
             ORDER BY r.created_at DESC LIMIT 1) AS last_run,
           s.version, v.notebook AS version_notebook, v.created_at AS version_created_at, v.git_commit, v.git_dirty
    FROM schedules s LEFT JOIN notebook_versions v ON v.sha256 = s.version"""


def _schedule(row) -> Schedule:
    # Built without validation: the spec was validated when written, and re-checking every
    # cron of thousands of schedules on each list would dominate its cost.
    fields = json.loads(row.spec)
    if fields.get("notify"):
        fields["notify"] = Notify.model_validate(fields["notify"])  # small; also reads the older on_success
    last_run_id, last_status = row.last_run.split(" ") if row.last_run else (None, None)
    fields.update(id=row.id, name=row.name, paused=bool(row.paused), source=row.source,
                  created_at=moment(row.created_at), updated_at=moment(row.updated_at),
                  next_fire_at=moment(row.next_fire), description=row.description or describe(fields["cron"]),
                  last_run_id=last_run_id, last_run_status=RunStatus(last_status) if last_status else None,
                  version=_version(row))
    return Schedule.model_construct(**fields)


def _version(row) -> NotebookVersion | None:
    if row.version is None:
        return None
    if row.version_notebook is None:  # its row has gone: runs then refuse to start, naming it
        return NotebookVersion(sha256=row.version, notebook="", created_at=moment(0))
    return NotebookVersion(sha256=row.version, notebook=row.version_notebook,
                           created_at=moment(row.version_created_at), git_commit=row.git_commit,
                           git_dirty=None if row.git_dirty is None else bool(row.git_dirty))


def insert(spec: ScheduleSpec, *, next_fire: datetime, now: datetime, source: str | None = None,
           version: str | None = None) -> str:
    schedule_id = new_schedule_id()
    with db.transaction() as connection:
        taken = connection.execute(text("SELECT 1 FROM schedules WHERE name = :name"), {"name": spec.name}).first()
        if taken:
            raise ScheduleError(f"a schedule named {spec.name!r} already exists; choose another --name")
        connection.execute(text(
            "INSERT INTO schedules (id, name, spec, source, created_at, updated_at, next_fire, description, version)"
            " VALUES (:id, :name, :spec, :source, :now, :now, :next_fire, :description, :version)"),
            {"id": schedule_id, "name": spec.name, "spec": spec.model_dump_json(), "source": source,
             "now": epoch(now), "next_fire": epoch(next_fire), "description": describe(spec.cron),
             "version": version})
    return schedule_id


def name_taken(name: str) -> bool:
    with db.reading() as connection:
        return connection.execute(text("SELECT 1 FROM schedules WHERE name = :n"), {"n": name}).first() is not None


def get(key: str) -> Schedule:
    """The schedule with this id, else with this name."""
    with db.reading() as connection:
        row = connection.execute(text(f"{_SELECT} WHERE s.id = :key OR s.name = :key ORDER BY s.id = :key DESC"),
                                 {"key": key}).first()
    if row is None:
        raise ScheduleNotFoundError(f"no schedule with id or name {key!r}")
    return _schedule(row)


def list_all(source: str | None = None) -> list[Schedule]:
    where, values = ("WHERE s.source = :source", {"source": source}) if source else ("", {})
    with db.reading() as connection:
        rows = connection.execute(text(f"{_SELECT} {where} ORDER BY s.name"), values).all()
    return [_schedule(row) for row in rows]


_KEEP = object()


def update(schedule_id: str, *, now: datetime, spec: ScheduleSpec | None = None,
           paused: bool | None = None, next_fire: datetime | None = None, source: str | None = None,
           version: str | None | object = _KEEP) -> None:
    """Write the given columns; `next_fire` is always written (None while paused); `version`
    only when given (None: follow the file)."""
    assignments = {"updated_at": epoch(now), "next_fire": epoch(next_fire) if next_fire else None}
    if version is not _KEEP:
        assignments["version"] = version
    if spec is not None:
        assignments.update(spec=spec.model_dump_json(), name=spec.name, description=describe(spec.cron))
    if paused is not None:
        assignments["paused"] = int(paused)
    if source is not None:
        assignments["source"] = source
    columns = ", ".join(f"{column} = :{column}" for column in assignments)
    with db.transaction() as connection:
        if spec is not None:
            clash = connection.execute(text("SELECT 1 FROM schedules WHERE name = :name AND id != :id"),
                                       {"name": spec.name, "id": schedule_id}).first()
            if clash:
                raise ScheduleError(f"a schedule named {spec.name!r} already exists")
        connection.execute(text(f"UPDATE schedules SET {columns} WHERE id = :id"), {**assignments, "id": schedule_id})


def delete(schedule_id: str) -> None:
    with db.transaction() as connection:
        connection.execute(text("DELETE FROM schedules WHERE id = :id"), {"id": schedule_id})


def earliest_fire() -> float | None:
    with db.reading() as connection:
        return connection.execute(text("SELECT min(next_fire) FROM schedules")).scalar()


def due(now: float, limit: int = 200) -> list[tuple[str, float, ScheduleSpec]]:
    """(id, next_fire, spec) of the schedules whose next fire has come, earliest first."""
    with db.reading() as connection:
        rows = connection.execute(text(
            "SELECT id, next_fire, spec FROM schedules WHERE next_fire <= :now ORDER BY next_fire LIMIT :limit"),
            {"now": now, "limit": limit}).all()
    return [(row.id, row.next_fire, ScheduleSpec.model_validate_json(row.spec)) for row in rows]
