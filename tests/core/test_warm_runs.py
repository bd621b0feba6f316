"""Single runs on warm kernels (run/launcher.py): real launcher, fork servers and kernels.

One launcher serves the whole module, as one serves a Jupyter server's lifetime; every request
carries its test's environment (store, JUPYTER_PATH), so each test still has its own store.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import nbformat
import psutil
import pytest

from jupyter_mlops.config import settings
from jupyter_mlops.errors import SettingsError
from jupyter_mlops.run.model import RunSpec, RunStatus
from jupyter_mlops.service import runs as service
from jupyter_mlops.store import runs as run_store

from ..batch.test_runs import ISOLATION
from ..waiting import wait_finished, wait_for


def _alive(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def _command(process: psutil.Process) -> str:
    try:
        return " ".join(process.cmdline())
    except psutil.NoSuchProcess:  # a worker that just ended
        return ""


def _fork_servers() -> list[psutil.Process]:
    return [p for p in psutil.Process(service._launcher.process.pid).children() if "batch.forkserver" in _command(p)]


def _kernels() -> set[int]:
    """The launcher's kernels: children of its fork servers."""
    kernels = set()
    for server in _fork_servers():
        try:
            kernels |= {kernel.pid for kernel in server.children()}
        except psutil.NoSuchProcess:
            pass
    return kernels


def _kernelspec(folder: Path, name: str, module: str = "ipykernel_launcher") -> None:
    spec = folder / "kernels" / name
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-m", module, "-f", "{connection_file}"], "display_name": name,
        "language": "python"}))


def _use_kernel(notebook: Path, name: str) -> None:
    content = nbformat.read(notebook, as_version=4)
    content.metadata.kernelspec = {"name": name, "display_name": name, "language": "python"}
    nbformat.write(content, notebook)


@pytest.fixture(scope="module", autouse=True)
def launcher():
    service.start_launcher()
    assert service._launcher is not None, "warm_runs is off in this environment"
    assert service._launcher.ready.wait(120), "the launcher did not get ready"
    yield service._launcher
    process = service._launcher.process
    descendants = psutil.Process(process.pid).children(recursive=True)
    service.stop_launcher()
    process.wait(30)
    psutil.wait_procs(descendants, timeout=10)
    assert not [p.pid for p in descendants if _alive(p.pid)], "the launcher left processes behind"


def test_consecutive_warm_runs_start_from_clean_kernels_in_their_own_environment(write_notebook, monkeypatch):
    notebook = write_notebook(ISOLATION)
    # Set after the pool's kernels were forked: the run's environment, not the pool's, must reach them.
    monkeypatch.setenv("MLOPS_REQUESTER_VARIABLE", "from the requester")
    records = []
    for i in range(3):
        run = service.start_run(RunSpec(notebook=str(notebook), parameters={"i": i}))
        records.append(wait_finished(run.id))
    assert [r.status for r in records] == [RunStatus.succeeded] * 3, [r.error for r in records]
    assert [r.backend_info.get("kernel") for r in records] == ["warm"] * 3
    metrics = [r.metrics for r in records]
    assert [m["saw_global"] for m in metrics] == [False] * 3
    assert [m["saw_module_attr"] for m in metrics] == [False] * 3
    assert [m["saw_env"] for m in metrics] == [None] * 3
    assert {m["cwd"] for m in metrics} == {str(notebook.parent)}
    assert len({m["pid"] for m in metrics}) == 3
    assert len({m["random"] for m in metrics}) == 3
    assert {tuple(m["user_names"]) for m in metrics} == {("In", "Out", "exit", "get_ipython", "i", "json",
                                                          "jupyter_mlops", "np", "open", "os", "quit")}
    check = write_notebook(["import os\nimport jupyter_mlops\n"
                            "jupyter_mlops.record('variable', os.environ.get('MLOPS_REQUESTER_VARIABLE'))\n"
                            "jupyter_mlops.record('home', os.environ.get('JUPYTER_MLOPS_HOME'))"], name="env.ipynb")
    record = wait_finished(service.start_run(RunSpec(notebook=str(check))).id)
    assert record.metrics == {"variable": "from the requester", "home": os.environ["JUPYTER_MLOPS_HOME"]}
    assert not [pid for pid in (m["pid"] for m in metrics) if _alive(pid)], "a used kernel is still running"


def test_cancel_timeout_and_kill_9_of_warm_runs_leave_no_kernel(write_notebook, tmp_path):
    pid_file = tmp_path / "kernel.pid"
    notebook = write_notebook([("seconds = 60", ["parameters"]),
                               "%%mlstep sleep\nimport os, time\n"
                               f"open({str(pid_file)!r}, 'a').write(f'{{os.getpid()}}\\n')\ntime.sleep(seconds)"])

    def started(run_id: str) -> int:
        wait_for(lambda: service.get_run(run_id).status == RunStatus.running and pid_file.exists()
                 and pid_file.read_text().endswith("\n"), what="the run's first step")
        return int(pid_file.read_text().split()[-1])

    run = service.start_run(RunSpec(notebook=str(notebook)))
    kernel = started(run.id)
    service.cancel_run(run.id)
    record = wait_finished(run.id)
    assert record.status == RunStatus.cancelled and record.backend_info["kernel"] == "warm"
    assert [s.status.value for s in record.steps] == ["skipped"]
    wait_for(lambda: not _alive(kernel), 30, "the cancelled run's kernel to go")

    timed = service.start_run(RunSpec(notebook=str(notebook), timeout=2))
    record = wait_finished(timed.id)
    assert record.status == RunStatus.timed_out and "the run exceeded its timeout of 2.0 s" in record.error
    wait_for(lambda: not _alive(int(pid_file.read_text().split()[-1])), 30, "the timed-out run's kernel to go")

    killed = service.start_run(RunSpec(notebook=str(notebook)))
    kernel = started(killed.id)
    os.kill(run_store.worker_pid(killed.id), signal.SIGKILL)  # what `lost` detection then finds
    wait_for(lambda: not _alive(kernel), 30, "the kernel of the killed worker to go")
    from jupyter_mlops.schedule.reconcile import mark_lost, worker_alive
    wait_for(lambda: not worker_alive(killed.id), 30, "the killed worker to be seen gone")
    assert mark_lost(killed.id).status == RunStatus.lost


def test_kernelspecs_that_cannot_be_forked_or_disappear_fall_back_with_the_reason(write_notebook, tmp_path,
                                                                                   monkeypatch):
    jupyter = tmp_path / "jupyter"
    _kernelspec(jupyter, "plainpy", module="ipykernel")  # not ipykernel_launcher: not forkable
    _kernelspec(jupyter, "warmpy")
    monkeypatch.setenv("JUPYTER_PATH", str(jupyter))
    notebook = write_notebook(["x = 1"])
    _use_kernel(notebook, "plainpy")
    record = wait_finished(service.start_run(RunSpec(notebook=str(notebook))).id)
    assert record.status == RunStatus.succeeded, record.error
    assert record.backend_info["kernel"] == ("started by the run: kernelspec 'plainpy' is not this Python's "
                                             "ipykernel, so it cannot be forked")

    _use_kernel(notebook, "warmpy")
    before = _kernels()
    record = wait_finished(service.start_run(RunSpec(notebook=str(notebook))).id)
    assert record.status == RunStatus.succeeded and record.backend_info["kernel"] == "warm", record.error
    pooled = wait_for(lambda: _kernels() - before, 30, "warmpy's pool to refill")
    for path in (jupyter / "kernels" / "warmpy").iterdir():
        path.unlink()
    (jupyter / "kernels" / "warmpy").rmdir()
    record = wait_finished(service.start_run(RunSpec(notebook=str(notebook))).id)
    assert record.status == RunStatus.failed and "warmpy" in record.error
    assert record.backend_info["kernel"] == "started by the run: no kernelspec named 'warmpy'"
    wait_for(lambda: not [pid for pid in pooled if _alive(pid)], 30, "the removed kernelspec's warm kernels to go")


def test_a_fork_server_that_dies_is_replaced(write_notebook):
    notebook = write_notebook(["x = 1"])
    servers = wait_for(_fork_servers, 60, "a fork server")
    pooled = wait_for(_kernels, 60, "warm kernels")
    for server in servers:
        server.kill()
    record = wait_finished(service.start_run(RunSpec(notebook=str(notebook))).id)
    assert record.status == RunStatus.succeeded, record.error
    wait_for(lambda: not [pid for pid in pooled if _alive(pid)], 30, "the dead fork server's kernels to go")


def test_other_processes_start_warm_runs_through_the_launchers_socket(write_notebook):
    # As a notebook's widgets do in a kernel the server started: its environment names the socket.
    notebook = write_notebook(["x = 1"])
    assert os.environ[service.LAUNCHER_SOCKET] == service._launcher.socket_path
    code = ("from jupyter_mlops.service.runs import start_run; from jupyter_mlops.run.model import RunSpec; "
            f"print(start_run(RunSpec(notebook={str(notebook)!r})).id)")
    started = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120)
    record = wait_finished(started.stdout.strip())
    assert record.status == RunStatus.succeeded and record.backend_info["kernel"] == "warm", record.error


def test_a_warm_kernel_gets_the_runs_variables_and_secrets_masked(write_notebook, mlops_home):
    from ..trust.leaks import LEAKY_CELLS, files_holding, set_token, sha256

    secret_value = set_token()
    path = write_notebook(LEAKY_CELLS)
    run = service.start_run(RunSpec(notebook=str(path), secrets={"DB_TOKEN": "DB_TOKEN"}, env={"MODE": "warm"}))
    record = wait_finished(run.id)
    assert record.backend_info["kernel"] == "warm"
    assert record.metrics["token_sha256"] == sha256(secret_value) and record.metrics["mode"] == "warm"
    assert record.error == "ValueError: cannot connect with ***"
    assert files_holding(mlops_home, secret_value) == []


def test_warm_settings_are_bounded(monkeypatch):
    monkeypatch.setenv("JUPYTER_MLOPS_WARM_KERNELS", "99")
    with pytest.raises(SettingsError, match="warm_kernels"):
        settings()
    monkeypatch.setenv("JUPYTER_MLOPS_WARM_KERNELS", "1")
    monkeypatch.setenv("JUPYTER_MLOPS_WARM_IDLE_TIMEOUT", "-5")
    with pytest.raises(SettingsError, match="warm_idle_timeout"):
        settings()
