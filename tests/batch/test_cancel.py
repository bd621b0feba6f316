"""Ctrl-C on `jupyter-mlops batch`: finished runs kept, the rest cancelled, no kernel left behind."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import psutil
import pytest

from jupyter_mlops.batch.model import BatchStatus
from jupyter_mlops.run.model import RunStatus
from jupyter_mlops.service.batches import list_batches
from jupyter_mlops.service.runs import list_runs


def _alive(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def _plain_kernelspec(folder: Path) -> None:
    """A python kernel started as `python -m ipykernel`: not forkable by the pool, so the
    batch runs each point in a worker process of its own (the path docker runs take too)."""
    spec = folder / "kernels" / "plainpy"
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-m", "ipykernel", "-f", "{connection_file}"],
        "display_name": "plain python", "language": "python"}))


@pytest.mark.parametrize("kernel", ["python3", "plainpy"], ids=["pooled-kernels", "worker-processes"])
def test_ctrl_c_cancels_cleanly(write_notebook, mlops_home, tmp_path, monkeypatch, kernel):
    # The first run is quick, every later one sleeps long enough to be caught running.
    notebook = write_notebook([("seconds = 0.0", ["parameters"]), "import time\ntime.sleep(seconds)"])
    if kernel == "plainpy":
        _plain_kernelspec(tmp_path / "jupyter")
        monkeypatch.setenv("JUPYTER_PATH", str(tmp_path / "jupyter"))
        content = nbformat.read(notebook, as_version=4)
        content.metadata.kernelspec = {"name": "plainpy", "display_name": "plain python", "language": "python"}
        nbformat.write(content, notebook)
    env = {**os.environ, "JUPYTER_MLOPS_HOME": str(mlops_home)}
    cli = subprocess.Popen([sys.executable, "-m", "jupyter_mlops.cli", "batch", str(notebook),
                            "-p", "seconds", "0,60,60,60,60", "--parallel", "2"],
                           env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    descendants: set[int] = set()
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline:
        descendants |= {p.pid for p in psutil.Process(cli.pid).children(recursive=True)}
        runs, _ = list_runs()
        if sum(r.status == RunStatus.succeeded for r in runs) == 1 and \
                sum(r.status == RunStatus.running for r in runs) == 2:
            break
        time.sleep(0.2)
    else:
        cli.kill()
        raise AssertionError(f"the batch never got going: {cli.communicate()}")
    descendants |= {p.pid for p in psutil.Process(cli.pid).children(recursive=True)}
    assert len(descendants) >= 3  # the fork server or the workers, and the two running kernels

    started = time.monotonic()
    cli.send_signal(signal.SIGINT)
    _, stderr = cli.communicate(timeout=90)
    assert time.monotonic() - started < 45, "cancelling took too long"
    assert cli.returncode == 1, stderr

    left = [pid for pid in descendants if _alive(pid)]
    assert left == [], [(pid, psutil.Process(pid).cmdline(), psutil.Process(pid).ppid()) for pid in left]
    (batch,), _ = list_batches()
    assert batch.status == BatchStatus.cancelled and batch.error == "cancelled by the user"
    runs, _ = list_runs(batch_id=batch.id)
    by_status = {}
    for run in runs:
        by_status.setdefault(run.status, []).append(run)
    assert len(by_status[RunStatus.succeeded]) == 1 and len(by_status[RunStatus.cancelled]) == 4, [(r.status, r.error) for r in runs]
    kept = by_status[RunStatus.succeeded][0]
    assert kept.parameters == {"seconds": 0.0} and Path(kept.output_notebook).exists()
    assert sum("while running" in r.error for r in by_status[RunStatus.cancelled]) == 2
    assert sum(r.error.startswith("not started") for r in by_status[RunStatus.cancelled]) == 2
    assert "cancelled" in stderr
