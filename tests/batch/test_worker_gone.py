"""A batch whose worker was killed (`kill -9`) does not stay "running": reading it, or cancelling
it, records the batch and its unfinished runs at once."""

from __future__ import annotations

import os
import signal
import time

import psutil
import pytest

from jupyter_mlops.batch import store as batch_store
from jupyter_mlops.batch.model import BatchSpec, BatchStatus
from jupyter_mlops.errors import BatchStateError
from jupyter_mlops.run.model import RunStatus
from jupyter_mlops.service.batches import cancel_batch, get_batch, list_batches, start_batch
from jupyter_mlops.service.runs import list_runs

SLEEPER = [("seconds = 0.0", ["parameters"]), "import time\ntime.sleep(seconds)"]


def _running_batch(write_notebook) -> tuple[str, int, set[int]]:
    """A batch started as the API starts it (a worker of its own), one run done and one running;
    its id, its worker's pid and every process under the worker."""
    batch = start_batch(BatchSpec(notebook=str(write_notebook(SLEEPER)),
                                  points=[{"seconds": 0.0}, {"seconds": 60.0}, {"seconds": 60.0}], parallel=1))
    pid, _ = batch_store.worker(batch.id)
    assert pid is not None
    descendants: set[int] = set()
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        descendants |= {p.pid for p in psutil.Process(pid).children(recursive=True)}
        counts = get_batch(batch.id).counts
        if counts.get("succeeded") == 1 and counts.get("running") == 1:
            return batch.id, pid, descendants
        time.sleep(0.2)
    raise AssertionError(f"the batch never got going: {get_batch(batch.id)}")


def _kill(pids: set[int]) -> None:
    for pid in pids:  # the fork server and kernels the killed worker could not stop
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


@pytest.mark.parametrize("how", ["read", "cancelled"])
def test_a_killed_worker_leaves_no_batch_running(write_notebook, how):
    batch_id, worker, descendants = _running_batch(write_notebook)
    os.kill(worker, signal.SIGKILL)
    try:
        try:
            psutil.Process(worker).wait(10)
        except psutil.NoSuchProcess:
            pass  # already reaped by the thread that launched it
        if how == "read":
            (batch,), _ = list_batches()
            assert batch.status == BatchStatus.failed
            assert f"worker process (pid {worker}) ended without finishing the batch" in batch.error
        else:
            batch = cancel_batch(batch_id)
            assert batch.status == BatchStatus.cancelled
            assert batch.error == "cancelled by the user; its worker had already exited"
        assert batch.ended_at is not None and get_batch(batch_id) == batch
        runs = {run.status: run for run in list_runs(batch_id=batch_id)[0]}
        assert batch.counts == {"succeeded": 1, "lost": 1, "cancelled": 1}
        lost = runs[RunStatus.lost]
        assert f"worker process (pid {worker}) ended without recording a result" in lost.error
        assert runs[RunStatus.cancelled].error.startswith("not started: ")
        with pytest.raises(BatchStateError, match="has already finished"):
            cancel_batch(batch_id)
    finally:
        _kill(descendants)


def test_a_batch_still_being_started_is_left_alone(write_notebook):
    """Recorded, its worker not launched yet (no pid): reading it must not call it dead."""
    batch = batch_store.create_batch(BatchSpec(notebook=str(write_notebook(SLEEPER)), points=[{}]), parallel=1)
    assert get_batch(batch.id).status == BatchStatus.queued
    cancelled = cancel_batch(batch.id)
    assert cancelled.status == BatchStatus.cancelled and cancelled.error == "cancelled by the user before it started"
