"""Execute a recorded batch: its queued runs, `parallel` at a time, each an ordinary run.

Runs execute in threads of this process (a run mostly waits on its kernel, which is a process
of its own). On the local backend with this Python's ipykernel, each run gets a kernel from a
`KernelPool`: forked ahead of need, used once, killed after; a backend may offer a pool of its
own (docker: a locked-down container per parallel slot forking a kernel per run). Otherwise
(another kernel, another backend) each run executes in a worker process of its own, as a
single started run does. A
failing run does not stop the others unless the batch is fail-fast, which starts no new run.

Cancelling (Ctrl-C, or SIGTERM turned into KeyboardInterrupt) kills every pooled kernel at
once and SIGTERMs every worker (which stops its kernel or container); the runs that were
executing are recorded cancelled, those not started too, and finished runs keep their records
and output notebooks. No kernel outlives the batch: the pool's fork server kills whatever it
forked when the batch closes it, however the batch ends.
"""

from __future__ import annotations

import logging
import os
import queue
import subprocess
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..errors import BackendError, BatchError, SecretError
from ..lineage.environment import local_environment
from ..notify import events as tell
from ..pipeline import read_notebook
from ..run.backends import RunGroup, get_backend
from ..run.executor import execute_run, execution_of
from ..run.model import Run, RunStatus
from ..secrets.environment import secret_environment
from ..service.runs import launch_worker
from ..store import runs as run_store
from . import store
from .kernels import PooledKernelManager
from .local import LocalKernels, local_kernels
from .model import Batch, BatchSpec, BatchStatus
from .preload import modules_to_preload

log = logging.getLogger(__name__)

#: Called with each run's record as it finishes.
BatchProgress = Callable[[Run], None]


def _kernel_pool(batch: Batch, pending: list[str], local: LocalKernels | None) -> Any:
    """A pool when runs are local and the notebook's kernel is this Python's ipykernel (`local`),
    or the backend's own pool (docker: one container per slot); None: each run starts its kernel."""
    runs = len(pending)
    if runs == 0:
        return None
    if batch.spec.backend != "local":
        notebook = Path(batch.notebook)
        try:  # the kernels start ahead of their runs, so with the environment every run of the batch has
            execution = execution_of(run_store.get_run(pending[0]), save_each_cell=False)
        except SecretError:
            return None  # removed since the batch was recorded: each run stops saying which
        # Bad input (image, limits) raises BackendError: the batch fails before any run starts.
        return get_backend(batch.spec.backend).kernel_pool(
            execution, slots=batch.parallel, total=runs,
            preload=modules_to_preload(read_notebook(notebook), notebook.parent, batch.spec.preload))
    if local is None:
        return None
    if local.pool is not None:  # started while the batch was recorded (service.batches)
        return local.pool
    try:  # the kernels start ahead of their runs, so with the environment every run of the batch has
        environment = batch_environment(batch.spec)
    except SecretError:
        return None  # removed since the batch was recorded: each run stops saying which
    # The pool starts the fork server itself unless it was started ahead.
    return local.start_pool(batch.notebook, environment, spare=batch.parallel, total=runs)


def batch_environment(spec: BatchSpec) -> dict[str, str]:
    """What every kernel of a batch has in its environment: the batch's variables and secrets
    (read now, held in memory only; SecretError if one is gone)."""
    return {**spec.env, **secret_environment(spec.secrets)}


class _Execution:
    """The shared state of one batch execution: the queue of runs, the stop reason, the pool."""

    def __init__(self, batch: Batch, pending: list[str], on_progress: BatchProgress | None,
                 local: LocalKernels | None) -> None:
        self.batch = batch
        self.todo: queue.SimpleQueue[str] = queue.SimpleQueue()
        for run_id in pending:
            self.todo.put(run_id)
        self.on_progress = on_progress
        self.stop_reason: str | None = None
        self.cancelled = threading.Event()
        self.lock = threading.Lock()
        try:
            self.pool = _kernel_pool(batch, pending, local)
        except BatchError as error:  # slower, but every run still gets a fresh kernel
            log.warning("%s; each run starts its own kernel in a worker process instead", error)
            self.pool = None
        if local is not None:
            # Recorded once here while the first kernels start, rather than by the first runs in
            # parallel, each listing every installed package to find it unrecorded.
            local_environment()
        # A backend that sends runs elsewhere (dask) prepares its workers once for the whole batch,
        # and its runs execute in this process's threads, like pooled ones.
        self.group: RunGroup | None = None
        if self.pool is None and pending:
            first = run_store.get_run(pending[0]).spec
            self.group = get_backend(batch.spec.backend).open_group(batch.id, first, len(pending), batch.spec.preload)
        self.workers: set[subprocess.Popen] = set()

    def stop(self, reason: str) -> None:
        with self.lock:
            if self.stop_reason is None:
                self.stop_reason = reason

    def work(self) -> None:
        while self.stop_reason is None:
            if self.group is not None and self.group.stop_reason is not None:
                self.stop(self.group.stop_reason)
                return
            try:
                run_id = self.todo.get_nowait()
            except queue.Empty:
                return
            run = self._execute(run_id)
            if self.cancelled.is_set() and run.status != RunStatus.succeeded:
                # Its failure came from the cancel (an interrupted kernel): say so.
                run = run_store.record_cancelled(run_id, "cancelled by the user while running",
                                                 replacing=set(RunStatus) - {RunStatus.succeeded})
            elif self.batch.spec.fail_fast and run.status != RunStatus.succeeded:
                self.stop(f"stopped after run {run_id} {run.status.value} (--fail-fast)")
            if self.on_progress:
                self.on_progress(run)

    def cancel(self) -> None:
        """Stop every run at once: kill the pooled kernels, SIGTERM the worker processes."""
        self.stop("cancelled by the user")
        with self.lock:
            self.cancelled.set()
            for process in self.workers:
                process.terminate()
        if self.pool is not None:
            self.pool.stop()  # running runs see their kernel die and end at once
        if self.group is not None:
            self.group.cancel()

    def _execute_in_worker(self, run_id: str) -> Run:
        """Without a kernel pool (another backend, or a kernel this Python cannot fork) a run
        executes in a worker process of its own, as `start_run` does: cancelling is then a
        SIGTERM, on which the worker stops its kernel or container and records the run."""
        process = launch_worker(run_id)
        with self.lock:
            self.workers.add(process)
            if self.cancelled.is_set():
                process.terminate()
        process.wait()
        with self.lock:
            self.workers.discard(process)
        return run_store.get_run(run_id)

    def _execute(self, run_id: str) -> Run:
        if self.pool is None and self.group is None:
            return self._execute_in_worker(run_id)
        taken = []

        def take_kernel() -> PooledKernelManager:
            taken.append(self.pool.take())
            return taken[-1]

        try:
            return execute_run(run_id, take_kernel=take_kernel if self.pool else None, save_each_cell=False)
        except Exception as error:  # the store failed…: this run only
            message = f"{type(error).__name__}: {error}"

            def failed(record: Run) -> None:
                record.status = RunStatus.failed
                record.error = message
                record.ended_at = run_store.now()

            return run_store.update_run(run_id, failed)
        finally:
            for kernel in taken:
                self.pool.discard(kernel)


def run_batch(batch_id: str, on_progress: BatchProgress | None = None, *,
              local: LocalKernels | None = None) -> Batch:
    """Execute the batch's queued runs and return its finished record.

    KeyboardInterrupt (Ctrl-C; the worker turns SIGTERM into it) cancels the batch cleanly.
    `local`, from `start_local_kernels` before the batch was recorded, is the batch's own from
    then on and closed with it (its pool, if it made one, may have closed it already); without
    it the batch finds out here whether its kernels are forked.
    """
    try:
        return _run_batch(batch_id, on_progress, local)
    finally:
        if local is not None:
            local.close()


def _run_batch(batch_id: str, on_progress: BatchProgress | None, local: LocalKernels | None) -> Batch:
    batch = store.get_batch(batch_id)
    if batch.status != BatchStatus.queued:
        raise BatchError(f"batch {batch_id} is {batch.status.value}; only a queued batch can be run")

    def running(record: Batch) -> None:
        record.status = BatchStatus.running
        record.started_at = run_store.now()

    batch = store.update_batch(batch_id, running)
    pending = [run.id for run in run_store.get_runs(batch.run_ids) if run.status == RunStatus.queued]
    execution, workers = None, []
    try:
        try:
            if local is None and pending:
                spec = batch.spec
                local = local_kernels(spec.backend, spec.notebook, spec.kernel_name, spec.preload)
            execution = _Execution(batch, pending, on_progress, local)
        except BackendError as error:  # e.g. an image without the notebook's kernel
            return _fail_before_start(batch_id, str(error))
        workers = [threading.Thread(target=execution.work, name=f"mlops-batch-{i}", daemon=True)
                   for i in range(min(batch.parallel, len(pending)))]
        for worker in workers:
            worker.start()
        for worker in workers:
            while worker.is_alive():
                worker.join(0.2)  # short waits keep the main thread responsive to Ctrl-C
    except KeyboardInterrupt:
        if execution is not None:
            execution.cancel()
            for worker in workers:
                worker.join()
    except Exception as error:  # a bug or a broken store: stop the rest, leave no run "running"
        if execution is not None:
            execution.cancel()
            for worker in workers:
                worker.join()
        _finish(batch_id, f"the batch stopped on an error: {type(error).__name__}: {error}")
        raise
    finally:
        if execution is not None and execution.pool is not None:
            execution.pool.close()
        if execution is not None and execution.group is not None:
            execution.group.close()
    finished = _finish(batch_id, execution.stop_reason if execution else "cancelled by the user")
    if finished.spec.notify is not None:  # batch_done, sent before this process (a worker, the CLI) ends
        tell.batch_done(finished).join()
        finished = store.get_batch(batch_id)
    return finished


def _fail_before_start(batch_id: str, reason: str) -> Batch:
    """No run could start: every queued run and the batch are recorded failed, with the reason."""
    batch = store.get_batch(batch_id)
    for run_id in batch.run_ids:
        def failed(record: Run) -> None:
            if record.status == RunStatus.queued:
                record.status = RunStatus.failed
                record.error = f"not started: {reason}"
                record.ended_at = run_store.now()

        run_store.update_run(run_id, failed)

    def finished(record: Batch) -> None:
        record.ended_at = run_store.now()
        record.status = BatchStatus.failed
        record.error = reason

    return store.update_batch(batch_id, finished)


def _finish(batch_id: str, stop_reason: str | None) -> Batch:
    batch = store.get_batch(batch_id)
    statuses = []
    for run in run_store.get_runs(batch.run_ids):
        if run.status == RunStatus.queued:
            run = run_store.record_cancelled(run.id, f"not started: {stop_reason or 'the batch stopped'}")
        elif run.status == RunStatus.running:  # its thread is gone: nothing will finish it now
            run = run_store.record_cancelled(run.id, f"stopped while running: {stop_reason or 'the batch stopped'}")
        statuses.append(run.status)
    all_succeeded = all(status == RunStatus.succeeded for status in statuses)

    def finished(record: Batch) -> None:
        record.ended_at = run_store.now()
        record.error = stop_reason
        if stop_reason is not None:
            record.status = BatchStatus.cancelled
        else:
            record.status = BatchStatus.succeeded if all_succeeded else BatchStatus.failed

    return store.update_batch(batch_id, finished)


def default_parallel() -> int:
    return os.cpu_count() or 1
