"""User-facing actions on batches: one function each, shared by the CLI and the REST API.

A batch executes in one process, recorded with the batch: a worker of its own when started
here without `wait` (the API, the widgets), or the CLI in the foreground. Reading a batch
notices when that process died without finishing it, and records the batch failed then.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

from ..batch import store as batch_store
from ..batch.grid import check_points
from ..batch.model import Batch, BatchResults, BatchSpec, BatchStatus
from ..batch.results import results_table, sort_rows
from ..batch.local import LocalKernels, start_local_kernels
from ..batch.runner import BatchProgress, batch_environment, default_parallel, run_batch
from ..errors import BatchNotFoundError, BatchStateError
from ..notify.channels import check_ready
from ..run.backends import get_backend
from ..run.model import RunSpec, RunStatus
from ..schedule.reconcile import mark_lost
from ..store import runs as run_store
from ..store import workers
from .runs import cancel_run, check_run_spec, get_pipeline, queue_batch_runs


def start_batch(spec: BatchSpec, *, wait: bool = False, on_progress: BatchProgress | None = None,
                local: LocalKernels | None = None) -> Batch:
    """Check every parameter set, record the batch and one queued run per set, then execute it.

    Nothing is recorded unless every set fits the notebook's parameters. With `wait` the batch
    runs in this process (the CLI: progress, Ctrl-C cancels) and its finished record is
    returned; otherwise a worker process of its own runs it and this returns at once.
    `local`: the batch's kernels as `start_local_kernels` found and started them for `spec`
    (the CLI does before it imports this module), the batch's own from then on.
    """
    notebook = str(Path(spec.notebook).resolve())
    # Run here, a batch whose kernels are forked starts their fork server first: it imports while
    # the batch is checked and recorded (most of a second of a small batch).
    if wait and local is None:
        local = start_local_kernels(spec.backend, notebook, spec.kernel_name, spec.preload)
    try:
        return _start_batch(spec, notebook, wait=wait, on_progress=on_progress, local=local)
    finally:  # refused, or run by a worker process of its own: no use for it; run here: closed already
        if local is not None:
            local.close()


def _start_batch(spec: BatchSpec, notebook: str, *, wait: bool, on_progress: BatchProgress | None,
                 local: LocalKernels | None) -> Batch:
    pipeline = get_pipeline(notebook)
    if spec.steps:
        pipeline.closure(spec.steps)  # an unknown step is refused before anything is recorded
    points = check_points(pipeline, spec.points, "batch")
    check_ready(spec.notify, f"batch of {Path(notebook).name}")
    spec = spec.model_copy(update={"notebook": notebook, "points": points})
    backend = get_backend(spec.backend)
    check_run_spec(run_spec(spec, points[0]))  # kernel, secrets, the cluster answers: before anything is recorded
    backend.release_abandoned(run_spec(spec, points[0]), abandoned)  # what killed batches left on a cluster
    parallel = spec.parallel or backend.default_parallel(run_spec(spec, points[0])) or default_parallel()
    if wait and local is not None:  # its first kernels start while the batch and its runs are recorded
        local.start_pool(notebook, batch_environment(spec), spare=parallel, total=len(points))
    batch = batch_store.create_batch(spec, parallel=parallel)
    if wait:  # this process executes it: `cancel_batch` from another shell signals it
        batch_store.set_worker(batch.id, os.getpid())
    run_ids = [run.id for run in queue_batch_runs(run_spec(spec, {}), points, batch_id=batch.id)]

    def with_runs(record: Batch) -> None:
        record.run_ids = run_ids

    batch = batch_store.update_batch(batch.id, with_runs)
    if wait:
        return run_batch(batch.id, on_progress=on_progress, local=local)
    _launch_worker(batch)
    return batch


def run_spec(spec: BatchSpec, point: dict) -> RunSpec:
    """The run of one parameter set."""
    return RunSpec(notebook=spec.notebook, parameters=point, steps=spec.steps, backend=spec.backend,
                   image=spec.image, timeout=spec.timeout, kernel_name=spec.kernel_name, env=spec.env,
                   secrets=spec.secrets, cluster=spec.cluster, shared_path=spec.shared_path, trigger="batch")


def _launch_worker(batch: Batch) -> None:
    log_dir = batch_store.batch_dir(batch.id)
    with open(log_dir / "worker.log", "ab") as log:
        process = subprocess.Popen([sys.executable, "-m", "jupyter_mlops.batch.worker", batch.id],
                                   stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                                   start_new_session=True)
    batch_store.set_worker(batch.id, process.pid)
    # Nothing else waits for the worker: reap it when it ends, so a long-lived server collects no zombies.
    threading.Thread(target=process.wait, name=f"mlops-reap-{batch.id}", daemon=True).start()


def cancel_batch(batch_id: str) -> Batch:
    """Stop a queued or running batch: finished runs are kept, the others cancelled.

    A running batch's worker (or the CLI running it in the foreground) is sent SIGTERM and
    records the outcome itself, as on Ctrl-C; the record returned may still say `running`. A
    batch not started yet, or whose worker is gone, is recorded cancelled here at once.
    """
    batch = batch_store.get_batch(batch_id)  # not reconciled: a dead worker's batch is cancelled, not failed
    if batch.status.finished:
        raise BatchStateError(f"batch {batch_id} has already finished ({batch.status.value}); nothing to cancel")
    if batch.status == BatchStatus.queued:
        # Recorded first, so a worker still starting up finds the batch cancelled and runs nothing.
        batch = _end_unfinished(batch_id, BatchStatus.cancelled, "cancelled by the user before it started",
                                stop_runs=True)
    if workers.terminate(*batch_store.worker(batch_id)) or batch.status.finished:
        return get_batch(batch_id)
    return _end_orphaned(batch_id, BatchStatus.cancelled, "cancelled by the user; its worker had already exited",
                         stop_runs=True)


def _reconciled(batch: Batch) -> Batch:
    """The batch, finished now if its worker died (kill -9, out of memory, machine stopped) while it ran.

    Costs a look at /proc for unfinished batches only. A batch with no worker recorded yet is
    being started (the worker's pid is recorded right after it is launched) and is left alone.
    """
    if batch.status.finished:
        return batch
    pid, started = batch_store.worker(batch.id)
    if pid is None or workers.alive(pid, started):
        return batch
    return _end_orphaned(batch.id, BatchStatus.failed,
                         f"its worker process (pid {pid}) ended without finishing the batch (killed, out of "
                         "memory, or the machine stopped)", stop_runs=False)


def _end_orphaned(batch_id: str, status: BatchStatus, reason: str, *, stop_runs: bool) -> Batch:
    """`_end_unfinished` for a batch whose process died, then release what that process left on its
    backend (a Dask cluster's worker plugin), which its own cleanup never got to."""
    batch = _end_unfinished(batch_id, status, reason, stop_runs=stop_runs)
    get_backend(batch.spec.backend).abandon_group(batch_id, run_spec(batch.spec, {}))
    return batch


def abandoned(batch_id: str) -> bool:
    """Whether nothing will run for this batch of this store any more: it finished, or (reconciled
    now) the process executing it died. False for a batch this store does not know (another
    machine's store may send batches to the same cluster)."""
    try:
        return get_batch(batch_id).status.finished
    except BatchNotFoundError:
        return False


def _end_unfinished(batch_id: str, status: BatchStatus, reason: str, *, stop_runs: bool) -> Batch:
    """Record a batch that nobody will finish as `status`, with its unfinished runs: a queued run
    cancelled, a running run lost when its executing process is gone. A run in a worker of its own
    that still runs (docker, unpooled kernels) finishes by itself, or is cancelled with `stop_runs`."""
    batch_pid = batch_store.worker(batch_id)[0]
    for run_id in batch_store.get_batch(batch_id).run_ids:
        run = run_store.get_run(run_id)
        if run.status == RunStatus.queued:
            run_store.record_cancelled(run_id, f"not started: {reason}", replacing={RunStatus.queued})
        elif not run.status.finished:
            pid, started = run_store.worker(run_id)
            if pid != batch_pid and workers.alive(pid, started):
                if stop_runs:
                    cancel_run(run_id)
            else:
                mark_lost(run_id)

    def ended(record: Batch) -> None:
        if not record.status.finished:  # its worker may have finished it meanwhile
            record.status = status
            record.error = reason
            record.ended_at = run_store.now()

    return batch_store.update_batch(batch_id, ended)


def list_batches(*, notebook: str | None = None, status: str | None = None, limit: int = 50,
                 offset: int = 0) -> tuple[list[Batch], int]:
    """A page of batches, newest first, with their run counts by status, and the total.

    `notebook` keeps one notebook's batches (any path to it); `status` those in that state.
    """
    if notebook is not None:
        notebook = str(Path(notebook).resolve())
    batches, total = batch_store.list_batches(notebook=notebook, status=status, limit=limit, offset=offset)
    return [_reconciled(batch) for batch in batches], total


def get_batch(batch_id: str) -> Batch:
    """One batch, with its run counts by status."""
    return _reconciled(batch_store.get_batch(batch_id))


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
