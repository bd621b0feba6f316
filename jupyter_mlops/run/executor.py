"""Execute a queued run on its backend and keep the record up to date as steps progress."""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import nbformat
from nbformat import NotebookNode
from papermill.iorw import write_ipynb

from ..checks.host import run_context
from ..errors import SecretError
from ..lineage.capture import finish_lineage, start_lineage
from ..secrets.environment import secret_environment
from ..store import runs as run_store
from . import cancel
from .backends import Execution, get_backend
from .model import Run, RunStatus, StepResult, StepStatus
from .plan import CONTEXT_KEY, PLAN_KEY
from .results import metrics, outcome, step_results

INPUT_NOTEBOOK = "input.ipynb"

#: Called with the updated run record whenever a step starts or finishes.
ProgressCallback = Callable[[Run], None]


class _NoLongerQueued(Exception):
    """Raised inside the claiming transaction so that it rolls back."""


def execution_of(run: Run, *, save_each_cell: bool = True) -> Execution:
    """What the backend gets for a recorded run, its secrets' values read now (SecretError if one is gone)."""
    spec = run.spec
    run_dir = Path(run.run_dir)
    secret_values = secret_environment(spec.secrets)  # held in memory only
    return Execution(
        run_id=run.id, input_notebook=run_dir / INPUT_NOTEBOOK, output_notebook=Path(run.output_notebook),
        log_path=Path(run.log_path), parameters=spec.parameters, source_dir=Path(spec.notebook).parent,
        cwd=Path(spec.cwd) if spec.cwd else None, kernel_name=spec.kernel_name,
        execution_timeout=spec.execution_timeout, run_timeout=spec.timeout, log_output=spec.log_output,
        image=spec.image, network=spec.network, cpus=spec.cpus, memory=spec.memory,
        writable_source=spec.writable_source, save_each_cell=save_each_cell, cluster=spec.cluster,
        shared_path=spec.shared_path, group=run.batch_id,
        environment={**spec.env, **secret_values}, secret_variables=frozenset(secret_values))


def execute_run(run_id: str, on_progress: ProgressCallback | None = None, *,
                take_kernel: Callable[[], Any] | None = None, save_each_cell: bool = True,
                backend_info: dict[str, Any] | None = None) -> Run:
    """Run a queued run to its end. Ctrl-C / SIGTERM (KeyboardInterrupt) records it cancelled.

    `take_kernel` returns the `Execution.kernel_manager` to use (None: the backend starts one);
    it is called once the run is recorded running, just before it executes, so that the kernel
    can finish starting while the run prepares (batches take kernels from their pool, warm runs
    from the launcher's). `save_each_cell`: see `Execution`. `backend_info` (which the caller
    may fill while the run executes, e.g. where its kernel came from) joins the record's
    `backend_info` when the run ends.
    """
    run = run_store.get_run(run_id)
    try:  # read now, held in memory only: a secret removed since the run was queued stops it here
        execution = execution_of(run, save_each_cell=save_each_cell)
    except SecretError as error:
        return _not_started(run_id, str(error))
    backend = get_backend(run.backend)
    prepared = nbformat.read(execution.input_notebook, as_version=4)
    lineage = start_lineage(run, prepared)  # before the write lock: hashing data files takes time
    prepared.metadata.setdefault(PLAN_KEY, {})[CONTEXT_KEY] = run_context(run)
    nbformat.write(prepared, execution.input_notebook)

    def started(record: Run) -> None:
        if record.status != RunStatus.queued:  # cancelled while queued: nothing to do
            raise _NoLongerQueued
        record.status = RunStatus.running
        record.started_at = run_store.now()
        record.lineage = lineage
        planned = prepared.metadata.get(PLAN_KEY, {}).get("steps", [])
        record.steps = [StepResult(name=step["name"]) for step in planned]

    # When no one in this process follows the run's progress (a batch point, a worker's run), a
    # step's end is written with what follows it at once in the same kernel: the next step's
    # start, or the run's end. One write per step instead of two.
    held: list[Callable[[Run], None]] = []

    def on_step_event(step: str, event: str, details: dict) -> None:
        change = _step_change(step, event, details)
        if event == "finished" and on_progress is None:
            held.append(change)
            return
        changes = [*held, change]
        held.clear()
        nonlocal run
        run = run_store.update_run(run_id, lambda record: _apply(changes, record))
        if on_progress:
            on_progress(run)

    def on_info(details: dict) -> None:
        def change(record: Run) -> None:
            record.backend_info.update(details)
        nonlocal run
        run = run_store.update_run(run_id, change)
        if on_progress:
            on_progress(run)

    execution.on_info = on_info
    try:
        try:
            # Running, and by this process, in one transaction: `lost` detection never sees the one
            # without the other.
            run = run_store.update_run(run_id, started, worker_pid=os.getpid())
        except _NoLongerQueued:
            return run_store.get_run(run_id)
        # From here a cancel (SIGTERM: KeyboardInterrupt) must end the run `cancelled`, however soon it
        # comes: one that arrived before the kernel was taken used to leave the record `running`.
        if on_progress:
            on_progress(run)
        if take_kernel is not None:
            try:
                execution.kernel_manager = take_kernel()
            except Exception as error:  # the kernel could not start: this run fails, with the reason
                return _finish(run, execution, prepared, status=RunStatus.failed,
                               error=f"{type(error).__name__}: {error}", info=backend_info, held=held)
        result = backend.execute(execution, on_step_event)
    except KeyboardInterrupt:
        # Read again: the interrupt may have come between a write and its record's return here.
        return _finish(run_store.get_run(run_id), execution, prepared, status=RunStatus.cancelled,
                       error="cancelled by the user", info=backend_info, held=held)
    return _finish(run, execution, prepared, status=result.status, error=result.error,
                   info={**(backend_info or {}), **result.info}, held=held)


def _step_change(step: str, event: str, details: dict) -> Callable[[Run], None]:
    """What a step's `event` ("started", "finished" with its `details`) changes in the record."""
    def change(record: Run) -> None:
        for result in record.steps:
            if result.name == step:
                result.status = StepStatus.running if event == "started" else StepStatus(details["status"])
                result.attempts = details.get("attempts", result.attempts)
                result.error = details.get("error")
    return change


def _apply(changes: Sequence[Callable[[Run], None]], record: Run) -> None:
    for change in changes:
        change(record)


def _not_started(run_id: str, error: str) -> Run:
    """A run that cannot start (a secret is missing): failed, saying why, nothing executed."""
    def failed(record: Run) -> None:
        if record.status == RunStatus.queued:
            record.status = RunStatus.failed
            record.error = error
            record.ended_at = run_store.now()
    return run_store.update_run(run_id, failed)


def _mask_files(execution: Execution) -> None:
    """Mask what the backend wrote once more, on this side, before anything is read from it: an
    image with an older jupyter_mlops of its own may not mask inside the container. The notebook
    is masked as JSON (its strings), so even a short value cannot break its structure."""
    masker, output, log = execution.masker, execution.output_notebook, execution.log_path
    if output.exists():
        notebook = nbformat.read(output, as_version=4)
        masked = nbformat.from_dict(masker.value(notebook))
        if masked != notebook:
            nbformat.write(masked, output)
    if log.exists():
        text = log.read_text(encoding="utf-8", errors="replace")
        if masker.text(text) != text:
            log.write_text(masker.text(text), encoding="utf-8")


def _finish(run: Run, execution: Execution, prepared: NotebookNode, *, status: RunStatus | None,
            error: str | None, info: dict | None = None, held: Sequence[Callable[[Run], None]] = ()) -> Run:
    """Record the run's end. `run` is its record as this process last wrote it, `prepared` its
    input notebook as written (neither is read again); `held`: the step events not written yet."""
    masker = execution.masker
    if masker:
        _mask_files(execution)
        error, info = masker.text(error) if error else error, masker.value(info or {})
    output = execution.output_notebook
    notebook = nbformat.read(output, as_version=4) if output.exists() else None
    if notebook is not None:
        recorded_status, recorded_error, failed_step = outcome(notebook)
    else:
        recorded_status, recorded_error, failed_step = RunStatus.failed, "no output notebook was written", None
    # Outside the write lock, like the inputs: outputs may be large.
    lineage = finish_lineage(run, info or {}, prepared)

    status = status or recorded_status
    if status != RunStatus.succeeded and cancel.requested():  # whatever error the interrupt became on its way
        status, error = RunStatus.cancelled, "cancelled by the user"

    def change(record: Run) -> None:
        _apply(held, record)  # the output notebook's step results, when there is one, then replace them
        record.ended_at = run_store.now()
        record.status = status
        record.error = (error or recorded_error) if record.status != RunStatus.succeeded else None
        record.failed_step = failed_step
        if notebook is not None:
            record.steps = step_results(notebook) or record.steps
            record.metrics = metrics(notebook)
        if status in (RunStatus.cancelled, RunStatus.lost):  # stopped from outside: no step is left running
            for step in record.steps:
                if step.status not in (StepStatus.succeeded, StepStatus.failed):
                    step.status = StepStatus.skipped
        record.backend_info.update(info or {})
        record.lineage = lineage

    run = run_store.update_run(run.id, change, worker_pid=None)
    if run.spec.output_path and notebook is not None:
        write_ipynb(notebook, run.spec.output_path)
    return run
