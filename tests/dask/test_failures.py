"""A worker killed mid-run, and the scheduler going away mid-batch: nothing is left `running`."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import pytest

import jupyter_mlops
from jupyter_mlops.batch.model import BatchSpec
from jupyter_mlops.errors import DaskWorkerError
from jupyter_mlops.run.model import RunSpec, RunStatus
from jupyter_mlops.service.batches import get_batch, start_batch
from jupyter_mlops.service.runs import get_run, list_runs, run_notebook

from ..waiting import wait_for

T = TypeVar("T")

SLOW = "%%mlstep slow\nimport time\ntime.sleep(seconds)"


def _running_on_a_worker() -> bool:
    runs = list_runs()[0]
    return bool(runs) and "worker" in runs[0].backend_info and any(s.status.value == "running" for s in runs[0].steps)


def _in_background(call: Callable[[], T], started: Callable[[], object], what: str) -> Callable[[float], T]:
    """Starts `call` in a thread and waits until `started()`; returns how to wait for what `call` returns."""
    done = {}
    thread = threading.Thread(target=lambda: done.update(result=call()))
    thread.start()
    wait_for(started, 120, what)

    def result(timeout: float) -> T:
        thread.join(timeout)
        return done["result"]

    return result


def test_a_worker_killed_mid_run_gets_the_run_retried_on_another(new_cluster, write_notebook):
    cluster = new_cluster({"w1": None, "w2": None})
    path = write_notebook([("seconds = 6", ["parameters"]), SLOW])
    finished = _in_background(lambda: run_notebook(RunSpec(notebook=str(path), backend="dask",
                                                            cluster=cluster.address)),
                              _running_on_a_worker, "the run to start on a worker")
    first = list_runs()[0][0].backend_info["worker"]
    cluster.kill_worker(first)
    run = finished(180)
    assert run.status == RunStatus.succeeded, run.error
    assert run.backend_info["worker"] != first
    assert run.backend_info["attempts"] == 2
    assert f"worker {first} was lost during the run" in open(run.log_path).read()


def test_the_run_is_lost_once_dask_gives_up_retrying(new_cluster, write_notebook):
    # No retry allowed: the first worker death is Dask's last word (KilledWorker).
    cluster = new_cluster({"w1": None, "w2": None}, {"DASK_DISTRIBUTED__SCHEDULER__ALLOWED_FAILURES": "0"})
    path = write_notebook([("seconds = 300", ["parameters"]), SLOW])
    finished = _in_background(lambda: run_notebook(RunSpec(notebook=str(path), backend="dask",
                                                            cluster=cluster.address)),
                              _running_on_a_worker, "the run to start on its worker")
    cluster.kill_worker(list_runs()[0][0].backend_info["worker"])
    run = finished(120)
    assert run.status == RunStatus.lost
    assert "its Dask worker died while running it, and Dask gave up retrying it elsewhere" in run.error
    assert [s.status.value for s in run.steps] != ["running"]  # never left running


def test_the_scheduler_going_away_mid_batch(new_cluster, write_notebook):
    cluster = new_cluster({"w1": None, "w2": None})
    path = write_notebook([("seconds = 0", ["parameters"]), SLOW])
    points = [{"seconds": 0}] * 2 + [{"seconds": 60}] * 2 + [{"seconds": 0}] * 4

    def two_slow_running() -> bool:
        runs = list_runs(status="running")[0]
        return len(runs) == 2 and all(r.parameters["seconds"] == 60 and any(
            s.status.value == "running" for s in r.steps) for r in runs)

    finished = _in_background(lambda: start_batch(BatchSpec(notebook=str(path), points=points, backend="dask",
                                                            cluster=cluster.address), wait=True),
                              two_slow_running, "the two slow runs to be running")
    cluster.scheduler.kill()
    cluster.scheduler.wait()
    batch = finished(120)
    runs = [get_run(run_id) for run_id in batch.run_ids]
    assert [r.status for r in runs[:2]] == [RunStatus.succeeded] * 2, [(r.error, open(r.log_path).read()) for r in runs[:2]]
    assert [r.status for r in runs[2:4]] == [RunStatus.lost] * 2
    assert all("the Dask scheduler at" in r.error and "went away" in r.error for r in runs[2:4])
    assert {r.status for r in runs[4:]} == {RunStatus.cancelled}  # recorded, with why
    assert all("went away" in r.error for r in runs[4:])
    assert get_batch(batch.id).status.finished and "went away" in batch.error


def test_a_worker_without_jupyter_mlops_is_refused_before_anything_is_recorded(new_cluster, write_notebook):
    cluster = new_cluster({})
    # Every copy the worker could import: this one, and the installed one when PYTHONPATH points elsewhere.
    installed = subprocess.run([sys.executable, "-c", "import jupyter_mlops; print(jupyter_mlops.__file__)"],
                               capture_output=True, text=True, cwd="/",
                               env={k: v for k, v in os.environ.items() if k != "PYTHONPATH"}).stdout.strip()
    copies = {Path(jupyter_mlops.__file__).parent, *([Path(installed).parent] if installed else [])}
    cluster.start_worker("bare", hide_also=tuple(copies))
    path = write_notebook(["x = 1"])
    with pytest.raises(DaskWorkerError, match="Dask worker bare cannot run notebooks: .*jupyter_mlops.* install "
                                              "jupyter-mlops"):
        run_notebook(RunSpec(notebook=str(path), backend="dask", cluster=cluster.address))
    assert list_runs()[1] == 0
