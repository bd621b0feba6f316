"""Batch records: one row per batch (queryable columns + the record as JSON).

The runs of a batch are ordinary run rows carrying its `batch_id`; their counts by status are
read from the runs table, never copied, so a batch record cannot disagree with its runs.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import Connection, text

from ..errors import BatchNotFoundError
from ..store import db, workers
from ..store import runs as run_store
from .model import Batch, BatchSpec, BatchStatus


def _create_batches_table(connection: Connection) -> None:
    connection.exec_driver_sql("""
        CREATE TABLE batches (
            id TEXT PRIMARY KEY,
            notebook TEXT NOT NULL,
            status TEXT NOT NULL,
            created_at TEXT NOT NULL,
            record TEXT NOT NULL
        )""")
    connection.exec_driver_sql("CREATE INDEX batches_by_created ON batches (created_at)")


def _index_batches_by_notebook_and_status(connection: Connection) -> None:
    # The panel lists one notebook's batches; the event feed follows the unfinished ones.
    connection.exec_driver_sql("CREATE INDEX batches_by_notebook ON batches (notebook, created_at)")
    connection.exec_driver_sql("CREATE INDEX batches_by_status ON batches (status, created_at)")


def _add_worker(connection: Connection) -> None:
    # The process executing the batch (a worker, or the CLI in the foreground) and its start time,
    # so that it can be cancelled, and a batch whose worker died found (see store.workers).
    connection.exec_driver_sql("ALTER TABLE batches ADD COLUMN worker_pid INTEGER")
    connection.exec_driver_sql("ALTER TABLE batches ADD COLUMN worker_started INTEGER")


db.register_migrations("batches", [_create_batches_table, _index_batches_by_notebook_and_status, _add_worker])


def batch_dir(batch_id: str) -> Path:
    """The batch's folder (its worker's log); its runs keep their own folders."""
    path = db.home() / "batches" / batch_id
    path.mkdir(parents=True, exist_ok=True)
    return path


def new_batch_id() -> str:
    return f"batch-{run_store.now():%Y%m%d-%H%M%S}-{secrets.token_hex(3)}"


def create_batch(spec: BatchSpec, parallel: int) -> Batch:
    batch = Batch(id=new_batch_id(), notebook=spec.notebook, status=BatchStatus.queued, spec=spec,
                  parallel=parallel, created_at=run_store.now())
    with db.transaction() as connection:
        connection.execute(text(
            "INSERT INTO batches (id, notebook, status, created_at, record)"
            " VALUES (:id, :notebook, :status, :created_at, :record)"),
            {"id": batch.id, "notebook": batch.notebook, "status": batch.status.value,
             "created_at": batch.created_at.isoformat(), "record": _record_json(batch)})
    return batch


def _record_json(batch: Batch) -> str:
    return batch.model_dump_json(exclude={"counts"})


def _with_counts(connection: Connection, batch: Batch) -> Batch:
    rows = connection.execute(text("SELECT status, count(*) FROM runs WHERE batch_id = :id GROUP BY status"),
                              {"id": batch.id}).all()
    batch.counts = {status: count for status, count in rows}
    return batch


def get_batch(batch_id: str) -> Batch:
    with db.reading() as connection:
        row = connection.execute(text("SELECT record FROM batches WHERE id = :id"), {"id": batch_id}).first()
        if row is None:
            raise BatchNotFoundError(f"no batch with id {batch_id!r}")
        return _with_counts(connection, Batch.model_validate_json(row[0]))


def update_batch(batch_id: str, change: Callable[[Batch], None]) -> Batch:
    """Apply `change` to the current record inside one write transaction."""
    missing = BatchNotFoundError(f"no batch with id {batch_id!r}")
    with db.updating("batches", batch_id, Batch, _status_and_record, missing) as (connection, batch):
        change(batch)
        return _with_counts(connection, batch)


def _status_and_record(batch: Batch) -> dict[str, object]:
    return {"status": batch.status.value, "record": _record_json(batch)}


def set_worker(batch_id: str, pid: int) -> None:
    """Record the process executing the batch, with its start time."""
    workers.record("batches", batch_id, pid)


def worker(batch_id: str) -> tuple[int | None, int | None]:
    """The pid and start time of the process recorded as executing the batch (see `workers.alive`)."""
    return workers.recorded("batches", batch_id, BatchNotFoundError(f"no batch with id {batch_id!r}"))


def list_batches(*, notebook: str | None = None, status: str | None = None, limit: int = 50,
                 offset: int = 0) -> tuple[list[Batch], int]:
    """A page of batches, newest first, and the total count matching the filters.

    `notebook` is an absolute path, as recorded.
    """
    where, values = db.where_equal({"notebook": notebook, "status": status})
    with db.reading() as connection:
        total = connection.execute(text(f"SELECT count(*) FROM batches {where}"), values).scalar_one()
        rows = connection.execute(text(
            f"SELECT record FROM batches {where} ORDER BY created_at DESC, id DESC LIMIT :limit OFFSET :offset"),
            {**values, "limit": limit, "offset": offset}).all()
        return [_with_counts(connection, Batch.model_validate_json(r[0])) for r in rows], total
