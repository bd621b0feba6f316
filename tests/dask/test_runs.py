"""Runs and batches on a real two-worker Dask cluster whose workers cannot see the test's files."""

from __future__ import annotations

import time
from pathlib import Path

import dask
import nbformat
import pytest
from distributed import Client

from jupyter_mlops.batch.model import BatchSpec
from jupyter_mlops.errors import DaskClusterError, DaskFolderTooLargeError, DaskWorkerError
from jupyter_mlops.run.backends.dask import cluster as clusters
from jupyter_mlops.run.model import RunSpec, RunStatus
from jupyter_mlops.service.backends import backend_states
from jupyter_mlops.service.batches import start_batch
from jupyter_mlops.service.runs import cancel_run, get_run, list_runs, run_notebook, start_run

WORK = """\
%%mlstep prepare --outputs result.txt
import os
print("alpha is", alpha)
with open("result.txt", "w") as out:
    out.write(open("data/input.txt").read() * alpha)
with open(os.path.join(os.environ["MLOPS_OUTPUT_DIR"], "report.txt"), "w") as out:
    out.write(f"report {alpha}")
"""
SHOW = """\
%%mlstep report
import socket
print("ran in", os.getcwd())
assert not os.path.exists("ignored.bin"), ".gitignore'd files must stay behind"
"""


@pytest.fixture
def project(write_notebook, tmp_path) -> Path:
    """A notebook whose run needs a data file of its folder; .gitignore keeps a big file behind."""
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "input.txt").write_text("abc")
    (tmp_path / "ignored.bin").write_bytes(b"x" * 1000)
    (tmp_path / ".gitignore").write_text("*.bin\n")
    return write_notebook([("alpha = 1", ["parameters"]), WORK, SHOW])


def _dask(path: Path, cluster, **spec) -> RunSpec:
    return RunSpec(notebook=str(path), backend="dask", cluster=cluster.address, **spec)


def test_a_run_travels_to_a_worker_and_everything_comes_back(shared_cluster, project, tmp_path):
    assert not (tmp_path / "result.txt").exists()
    run = run_notebook(_dask(project, shared_cluster, parameters={"alpha": 3}))

    assert run.status == RunStatus.succeeded, Path(run.log_path).read_text()
    assert [s.status.value for s in run.steps] == ["succeeded", "succeeded"]
    assert run.backend_info["worker"] in ("w1", "w2")
    run_dir = Path(run.run_dir)
    assert (run_dir / "outputs" / "result.txt").read_text() == "abc" * 3  # the declared output
    assert (run_dir / "files" / "report.txt").read_text() == "report 3"  # $MLOPS_OUTPUT_DIR
    assert not (tmp_path / "result.txt").exists()  # written on the worker, never here
    output = nbformat.read(run.output_notebook, as_version=4)
    assert "alpha is 3" in "".join(o.get("text", "") for cell in output.cells for o in cell.get("outputs", []))
    log = Path(run.log_path).read_text()
    assert "alpha is 3" in log and "[mlops] step report finished: succeeded" in log
    assert "ran in /tmp/" in log  # the worker's copy, not the hidden folder
    assert run.lineage.outputs["result.txt"].size == 9


def test_live_step_status_and_log_while_running(shared_cluster, write_notebook):
    path = write_notebook(["%%mlstep first\nprint('first done', flush=True)",
                           "%%mlstep slow\nimport time\ntime.sleep(8)"])
    run = start_run(_dask(path, shared_cluster))
    deadline = time.monotonic() + 120
    seen = None
    while time.monotonic() < deadline:
        record = get_run(run.id)
        assert not record.status.finished, Path(record.log_path).read_text()
        steps = {s.name: s.status.value for s in record.steps}
        if steps.get("slow") == "running":
            seen = record
            break
        time.sleep(0.2)
    assert seen is not None, "the slow step was never seen running"
    assert seen.steps[0].status.value == "succeeded"
    assert seen.backend_info["worker"] in ("w1", "w2")  # named while it runs
    assert "first done" in Path(seen.log_path).read_text()  # the log tail, live
    cancel_run(run.id)


def test_a_step_pinned_to_a_pool_runs_on_the_worker_offering_it(shared_cluster, write_notebook):
    path = write_notebook(["%%mlstep train --pool gpu --gpus 1\nx = 1"])
    runs = [run_notebook(_dask(path, shared_cluster)) for _ in range(2)]
    assert [r.backend_info["worker"] for r in runs] == ["w1", "w1"]


def test_a_24_point_batch_uses_both_workers(shared_cluster, project):
    batch = start_batch(BatchSpec(notebook=str(project), points=[{"alpha": i} for i in range(1, 25)],
                                  backend="dask", cluster=shared_cluster.address), wait=True)
    assert batch.status.value == "succeeded", batch.error
    runs = [get_run(run_id) for run_id in batch.run_ids]
    assert {r.backend_info["worker"] for r in runs} == {"w1", "w2"}
    for run in runs:
        alpha = run.parameters["alpha"]
        assert Path(run.output_notebook).exists()
        assert (Path(run.run_dir) / "outputs" / "result.txt").read_text() == "abc" * alpha
    assert batch.parallel == 2  # the cluster's threads
    assert shared_cluster.kernels("w1") == [] and shared_cluster.kernels("w2") == []  # plugin removed


def _wait_running_on_worker(run_id: str) -> str:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        record = get_run(run_id)
        if any(s.status.value == "running" for s in record.steps) and "worker" in record.backend_info:
            return record.backend_info["worker"]
        assert not record.status.finished, record.error
        time.sleep(0.2)
    raise AssertionError("the run never started on a worker")


def _no_kernel_left(cluster, name: str) -> None:
    deadline = time.monotonic() + 20
    while cluster.kernels(name) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert cluster.kernels(name) == []


def test_cancel_kills_the_kernel_on_the_worker(shared_cluster, write_notebook):
    path = write_notebook(["%%mlstep sleep\nimport time\ntime.sleep(300)"])
    run = start_run(_dask(path, shared_cluster))
    worker = _wait_running_on_worker(run.id)
    assert shared_cluster.kernels(worker)
    cancel_run(run.id)
    deadline = time.monotonic() + 60
    while not get_run(run.id).status.finished and time.monotonic() < deadline:
        time.sleep(0.2)
    assert get_run(run.id).status == RunStatus.cancelled
    _no_kernel_left(shared_cluster, worker)


def test_timeout_of_a_cell_that_ignores_the_interrupt(shared_cluster, write_notebook, monkeypatch):
    from jupyter_mlops.run.backends import dask as backend

    monkeypatch.setattr(backend, "KILL_GRACE", 1.0)
    path = write_notebook(["%%mlstep stubborn\nimport signal, time\nsignal.signal(signal.SIGINT, signal.SIG_IGN)\n"
                           "time.sleep(300)"])
    run = run_notebook(_dask(path, shared_cluster, timeout=3))
    assert run.status == RunStatus.timed_out
    assert "timeout of 3 s" in run.error
    _no_kernel_left(shared_cluster, run.backend_info["worker"])


def test_bad_input_is_refused_before_anything_is_recorded(shared_cluster, project, tmp_path, write_notebook,
                                                          monkeypatch):
    with pytest.raises(DaskClusterError, match="no Dask scheduler answers at tcp://127.0.0.1:1"):
        run_notebook(RunSpec(notebook=str(project), backend="dask", cluster="tcp://127.0.0.1:1"))
    missing = tmp_path / "scheduler.json"
    with pytest.raises(DaskClusterError, match=f"scheduler file {missing} does not exist"):
        run_notebook(RunSpec(notebook=str(project), backend="dask", cluster=str(missing)))
    with pytest.raises(DaskWorkerError, match='offers pool-cpu=1: start one with .*--resources "pool-cpu=1"'):
        run_notebook(_dask(write_notebook(["%%mlstep a --pool cpu\nx = 1"], name="pooled.ipynb"), shared_cluster))
    monkeypatch.setenv("JUPYTER_MLOPS_DASK_MAX_FOLDER_SIZE", "500")
    with pytest.raises(DaskFolderTooLargeError, match="over the limit of 0.0 MB .*biggest: .*nb.ipynb"):
        run_notebook(_dask(project, shared_cluster))
    with pytest.raises(DaskClusterError, match="no Dask cluster given"):
        run_notebook(RunSpec(notebook=str(project), backend="dask"))
    assert list_runs()[1] == 0


def test_get_backends_says_what_the_cluster_offers(shared_cluster, monkeypatch):
    monkeypatch.setenv("JUPYTER_MLOPS_DASK_SCHEDULER", shared_cluster.address)
    state = next(s for s in backend_states() if s.name == "dask")
    assert state.available
    assert state.detail.startswith(f"Dask scheduler {shared_cluster.address}: 2 worker(s), 2 thread(s), ")


def test_the_workers_are_seen_while_the_client_refreshes_its_summary(shared_cluster):
    # A client refreshes a worker-less summary of the scheduler in the background (here every 5 ms);
    # the backend's view of the workers must not be that summary, or a run is refused for "no workers".
    with dask.config.set({"distributed.client.scheduler-info-interval": "5ms"}), \
            Client(shared_cluster.address, timeout=10, set_as_default=False) as client:
        seen = []
        for _ in range(200):
            seen.append(len(clusters.workers(client)))
            time.sleep(0.002)
    assert set(seen) == {2}


def test_get_backends_when_no_scheduler_answers(monkeypatch):
    monkeypatch.setenv("JUPYTER_MLOPS_DASK_SCHEDULER", "tcp://127.0.0.1:1")
    monkeypatch.setenv("JUPYTER_MLOPS_DASK_CONNECT_TIMEOUT", "1")
    state = next(s for s in backend_states() if s.name == "dask")
    assert not state.available and "no Dask scheduler answers at tcp://127.0.0.1:1" in state.detail


def test_cancelling_a_batch_kills_its_kernels_on_every_worker(shared_cluster, write_notebook):
    from jupyter_mlops.service.batches import cancel_batch, get_batch

    path = write_notebook([("seconds = 300", ["parameters"]), "%%mlstep sleep\nimport time\ntime.sleep(seconds)"])
    batch = start_batch(BatchSpec(notebook=str(path), points=[{"seconds": 300}] * 4, backend="dask",
                                  cluster=shared_cluster.address))
    deadline = time.monotonic() + 120
    def executing() -> int:
        return sum(any(s.status.value == "running" for s in r.steps) for r in list_runs(batch_id=batch.id)[0])

    while executing() < 2:
        assert time.monotonic() < deadline, "the batch's first two runs never ran"
        time.sleep(0.3)
    cancel_batch(batch.id)
    while not get_batch(batch.id).status.finished:
        assert time.monotonic() < deadline + 60, "the cancelled batch never finished"
        time.sleep(0.3)
    assert {get_run(r).status for r in batch.run_ids} == {RunStatus.cancelled}
    _no_kernel_left(shared_cluster, "w1")
    _no_kernel_left(shared_cluster, "w2")


def test_a_schedule_runs_on_its_cluster(shared_cluster, write_notebook):
    from jupyter_mlops.service.schedules import add_schedule, run_schedule_now

    path = write_notebook(["%%mlstep only\nx = 1"])
    with pytest.raises(DaskClusterError, match="no Dask scheduler answers"):
        add_schedule({"notebook": str(path), "cron": "0 6 * * *", "backend": "dask", "cluster": "tcp://127.0.0.1:1"})
    schedule = add_schedule({"notebook": str(path), "cron": "0 6 * * *", "backend": "dask",
                             "cluster": shared_cluster.address})
    run = run_schedule_now(schedule.id)
    deadline = time.monotonic() + 120
    while not get_run(run.id).status.finished:
        assert time.monotonic() < deadline, "the schedule's run never finished"
        time.sleep(0.3)
    record = get_run(run.id)
    assert record.status == RunStatus.succeeded, record.error
    assert record.backend_info["cluster"] == shared_cluster.address and record.backend_info["worker"]
