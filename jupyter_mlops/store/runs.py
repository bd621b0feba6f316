"""Run records: one row per run (queryable columns + the full record as JSON) and a folder.

Every write is one short transaction that re-reads the row, so several processes (the CLI,
the server, a scheduler, batch workers) can update runs at once without losing changes.
"""

from __future__ import annotations

import json
import secrets
import shutil
from collections.abc import Callable, Collection
from datetime import datetime, timezone
from pathlib import Path

from sqlalchemy import Connection, text

from ..errors import RunNotFoundError
from ..run.model import Run, RunSpec, RunStatus
from . import db, workers


def _create_runs_table(connection: Connection) -> None:
    connection.exec_driver_sql("""
        CREATE TABLE runs (
            id TEXT PRIMARY KEY,
            notebook TEXT NOT NULL,
            status TEXT NOT NULL,
            trigger TEXT NOT NULL,
            backend TEXT NOT NULL,
            schedule_id TEXT,
            batch_id TEXT,
            created_at TEXT NOT NULL,
            worker_pid INTEGER,
            record TEXT NOT NULL
        )""")
    connection.exec_driver_sql("CREATE INDEX runs_by_notebook ON runs (notebook, created_at)")
    connection.exec_driver_sql("CREATE INDEX runs_by_created ON runs (created_at)")
    connection.exec_driver_sql("CREATE INDEX runs_by_status ON runs (status, created_at)")
    connection.exec_driver_sql("CREATE INDEX runs_by_schedule ON runs (schedule_id, created_at)")
    connection.exec_driver_sql("CREATE INDEX runs_by_batch ON runs (batch_id, created_at)")


def _add_worker_started(connection: Connection) -> None:
    # With the pid, the worker's start time: a recycled pid is then not taken for the worker.
    connection.exec_driver_sql("ALTER TABLE runs ADD COLUMN worker_started INTEGER")


# What the runs list's `search` looks in, kept in a column of its own and in an index in list order:
# a search scans that index's short text (and reads the records of the matches only), where matching
# inside every record's JSON took seconds over 100,000 runs (benchmarks/api.py).
_SEARCH_TEXT_SQL = ("id || ' ' || notebook || ' ' || coalesce(json_extract(record, '$.error'), '') || ' ' ||"
                    " coalesce(json_extract(record, '$.parameters'), '{}')")


def _add_search_text(connection: Connection) -> None:
    connection.exec_driver_sql("ALTER TABLE runs ADD COLUMN search_text TEXT")
    connection.exec_driver_sql(f"UPDATE runs SET search_text = {_SEARCH_TEXT_SQL}")
    connection.exec_driver_sql("CREATE INDEX runs_by_search ON runs (created_at, id, search_text)")


db.register_migrations("runs", [_create_runs_table, _add_worker_started, _add_search_text])


def search_text(run: Run) -> str:
    """The run's id, notebook, error and parameters (compact JSON, as SQLite's json_extract writes it)."""
    parameters = json.dumps(run.model_dump(mode="json", include={"parameters"})["parameters"],
                            separators=(",", ":"), ensure_ascii=False)
    return f"{run.id} {run.notebook} {run.error or ''} {parameters}"


def runs_root() -> Path:
    return db.home() / "runs"


def now() -> datetime:
    return datetime.now(timezone.utc)


def new_run_id() -> str:
    # Sortable by creation time, unique across processes.
    return f"{now():%Y%m%d-%H%M%S}-{secrets.token_hex(3)}"


def create_run(spec: RunSpec, *, schedule_id: str | None = None, batch_id: str | None = None) -> Run:
    """Record a queued run and make its folder. Called only once the spec has been validated."""
    return create_runs([spec], schedule_id=schedule_id, batch_id=batch_id)[0]


def create_runs(specs: list[RunSpec], *, schedule_id: str | None = None, batch_id: str | None = None) -> list[Run]:
    """Record queued runs, in one transaction (a batch's: all of them or none), and make their folders."""
    runs = [_new_run(spec, schedule_id, batch_id) for spec in specs]
    with db.transaction() as connection:
        connection.execute(text(
            "INSERT INTO runs (id, notebook, status, trigger, backend, schedule_id, batch_id, created_at, record,"
            " search_text) VALUES (:id, :notebook, :status, :trigger, :backend, :schedule_id, :batch_id, :created_at,"
            " :record, :search_text)"),
            [_columns(run) for run in runs])
    return runs


def _new_run(spec: RunSpec, schedule_id: str | None, batch_id: str | None) -> Run:
    run_id = new_run_id()
    run_dir = runs_root() / run_id
    run_dir.mkdir(parents=True)
    return Run(id=run_id, notebook=spec.notebook, status=RunStatus.queued, trigger=spec.trigger,
               backend=spec.backend, parameters=spec.parameters, steps_selected=spec.steps,
               created_at=now(), run_dir=str(run_dir), output_notebook=str(run_dir / "output.ipynb"),
               log_path=str(run_dir / "run.log"), spec=spec, schedule_id=schedule_id, batch_id=batch_id)


def _columns(run: Run) -> dict:
    return {"id": run.id, "notebook": run.notebook, "status": run.status.value, "trigger": run.trigger,
            "backend": run.backend, "schedule_id": run.schedule_id, "batch_id": run.batch_id,
            "created_at": run.created_at.isoformat(), "record": run.model_dump_json(), "search_text": search_text(run)}


def get_run(run_id: str) -> Run:
    with db.reading() as connection:
        row = connection.execute(text("SELECT record FROM runs WHERE id = :id"), {"id": run_id}).first()
    if row is None:
        raise RunNotFoundError(f"no run with id {run_id!r}")
    return Run.model_validate_json(row[0])


def get_runs(run_ids: list[str]) -> list[Run]:
    """The records of `run_ids`, in their order, read together (a batch's runs: one query, not
    one transaction per run). The ids go as one JSON array: no limit on a statement's parameters."""
    with db.reading() as connection:
        rows = connection.execute(text("SELECT id, record FROM runs WHERE id IN (SELECT value FROM json_each(:ids))"),
                                  {"ids": json.dumps(run_ids)}).all()
    found = {row[0]: Run.model_validate_json(row[1]) for row in rows}
    missing = [run_id for run_id in run_ids if run_id not in found]
    if missing:
        raise RunNotFoundError(f"no run with id {missing[0]!r}")
    return [found[run_id] for run_id in run_ids]


#: `update_run`'s `worker_pid` when the recorded worker stays as it is.
KEEP_WORKER = -1


def update_run(run_id: str, change: Callable[[Run], None], *, worker_pid: int | None = KEEP_WORKER) -> Run:
    """Apply `change` to the current record inside one write transaction; in the same one, record
    `worker_pid` as the process executing the run (None: none now), as `set_worker_pid` does."""
    missing = RunNotFoundError(f"no run with id {run_id!r}")
    columns = _status_and_record if worker_pid == KEEP_WORKER else (
        lambda record: {**_status_and_record(record), **workers.columns(worker_pid)})
    with db.updating("runs", run_id, Run, columns, missing) as (_, run):
        change(run)
    if run.status.finished:
        # A copy next to the output notebook, so a run folder explains itself without the db.
        Path(run.run_dir, "record.json").write_text(run.model_dump_json(indent=2))
    return run


UNFINISHED = frozenset({RunStatus.queued, RunStatus.running})


def record_cancelled(run_id: str, reason: str, *, replacing: Collection[RunStatus] = UNFINISHED) -> Run:
    """Record the run cancelled, `reason` as its error, if its status is one of `replacing`
    (checked in the write transaction: a run that got further meanwhile is left as it is)."""
    def cancelled(record: Run) -> None:
        if record.status in replacing:
            record.status = RunStatus.cancelled
            record.error = reason
            record.ended_at = record.ended_at or now()

    return update_run(run_id, cancelled)


def _status_and_record(run: Run) -> dict[str, object]:
    # The error may change as the run goes: the search text with it.
    return {"status": run.status.value, "record": run.model_dump_json(), "search_text": search_text(run)}


def set_worker_pid(run_id: str, pid: int | None) -> None:
    """Record the process executing the run (None: none now), with its start time."""
    workers.record("runs", run_id, pid)


def worker_pid(run_id: str) -> int | None:
    return worker(run_id)[0]


def worker(run_id: str) -> tuple[int | None, int | None]:
    """The pid and start time of the process recorded as executing the run (see `workers.alive`)."""
    return workers.recorded("runs", run_id, RunNotFoundError(f"no run with id {run_id!r}"))


def list_runs(*, notebook: str | None = None, status: str | None = None, schedule_id: str | None = None,
              batch_id: str | None = None, trigger: str | None = None, search: str | None = None,
              limit: int = 50, offset: int = 0) -> tuple[list[Run], int]:
    """A page of runs, newest first, and the total count matching the filters.

    `search` matches, case-insensitively, part of the run id, the notebook's path, the error or
    the parameters as the record holds them, compact JSON (`"alpha":0.5`).
    """
    where, values = db.where_equal({"notebook": notebook, "status": status, "schedule_id": schedule_id,
                                    "batch_id": batch_id, "trigger": trigger})
    if search:
        # LIKE's own wildcards in the text are matched literally.
        values["search"] = "%" + search.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        clause = "search_text LIKE :search ESCAPE '\\'"
        where = f"{where} AND {clause}" if where else f"WHERE {clause}"
    with db.reading() as connection:
        total = connection.execute(text(f"SELECT count(*) FROM runs {where}"), values).scalar_one()
        rows = connection.execute(text(
            f"SELECT record FROM runs {where} ORDER BY created_at DESC, id DESC LIMIT :limit OFFSET :offset"),
            {**values, "limit": limit, "offset": offset}).all()
    return [Run.model_validate_json(r[0]) for r in rows], total


def latest_run(*, notebook: str | None = None, status: str | None = None,
               schedule_id: str | None = None) -> Run | None:
    """The newest run matching the filters, found without counting them all (as `list_runs` does):
    every run asks for its notebook's previous one as it starts."""
    where, values = db.where_equal({"notebook": notebook, "status": status, "schedule_id": schedule_id})
    with db.reading() as connection:
        row = connection.execute(text(f"SELECT record FROM runs {where} ORDER BY created_at DESC, id DESC LIMIT 1"),
                                 values).first()
    return None if row is None else Run.model_validate_json(row[0])


def delete_run(run_id: str) -> None:
    """Forget a finished run and delete its folder."""
    run = get_run(run_id)
    with db.transaction() as connection:
        connection.execute(text("DELETE FROM runs WHERE id = :id"), {"id": run_id})
    shutil.rmtree(run.run_dir, ignore_errors=True)
