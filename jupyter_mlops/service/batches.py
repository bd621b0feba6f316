"""User-facing actions on batches: one function each, shared by the CLI and the REST API."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from ..batch import store as batch_store
from ..batch.grid import check_points
from ..batch.model import Batch, BatchResults, BatchSpec
from ..batch.results import results_table, sort_rows
from ..batch.runner import BatchProgress, default_parallel, run_batch
from ..run.model import RunSpec
from .runs import get_pipeline, queue_run


def start_batch(spec: BatchSpec, *, wait: bool = False, on_progress: BatchProgress | None = None) -> Batch:
    """Check every parameter set, record the batch and one queued run per set, then execute it.

    Nothing is recorded unless every set fits the notebook's parameters. With `wait` the batch
    runs in this process (the CLI: progress, Ctrl-C cancels) and its finished record is
    returned; otherwise a worker process of its own runs it and this returns at once.
    """
    notebook = str(Path(spec.notebook).resolve())
    pipeline = get_pipeline(notebook)
    if spec.steps:
        pipeline.closure(spec.steps)  # an unknown step is refused before anything is recorded
    points = check_points(pipeline, spec.points, "batch")
    spec = spec.model_copy(update={"notebook": notebook, "points": points})
    batch = batch_store.create_batch(spec, parallel=spec.parallel or default_parallel())
    run_ids = [queue_run(RunSpec(notebook=notebook, parameters=point, steps=spec.steps, backend=spec.backend,
                                 timeout=spec.timeout, trigger="batch"), batch_id=batch.id).id
               for point in points]

    def with_runs(record: Batch) -> None:
        record.run_ids = run_ids

    batch = batch_store.update_batch(batch.id, with_runs)
    if wait:
        return run_batch(batch.id, on_progress=on_progress)
    _launch_worker(batch)
    return batch


def _launch_worker(batch: Batch) -> None:
    log_dir = batch_store.batch_dir(batch.id)
    with open(log_dir / "worker.log", "ab") as log:
        subprocess.Popen([sys.executable, "-m", "jupyter_mlops.batch.worker", batch.id],
                         stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)


def list_batches(*, notebook: str | None = None, status: str | None = None, limit: int = 50,
                 offset: int = 0) -> tuple[list[Batch], int]:
    """A page of batches, newest first, with their run counts by status, and the total.

    `notebook` keeps one notebook's batches (any path to it); `status` those in that state.
    """
    if notebook is not None:
        notebook = str(Path(notebook).resolve())
    return batch_store.list_batches(notebook=notebook, status=status, limit=limit, offset=offset)


def get_batch(batch_id: str) -> Batch:
    return batch_store.get_batch(batch_id)


def batch_results(batch_id: str, *, sort: str | None = None, descending: bool = False) -> BatchResults:
    """The table of parameters × metrics × status × duration, one row per run.

    `sort` names a column (a parameter, a metric, `status`, `duration` or `run_id`); rows
    without a value sort last. Without it rows keep the batch's order.
    """
    batch = batch_store.get_batch(batch_id)
    table = results_table(batch)
    if sort is not None:
        table.rows = sort_rows(table, sort, descending=descending)
    return table
