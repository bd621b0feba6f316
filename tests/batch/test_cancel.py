"""Ctrl-C on `jupyter-mlops batch`: finished runs kept, the rest cancelled, no kernel left behind."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil

from jupyter_mlops.batch.model import BatchStatus
from jupyter_mlops.run.model import RunStatus
from jupyter_mlops.service.batches import list_batches
from jupyter_mlops.service.runs import list_runs


def _alive(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def test_ctrl_c_cancels_cleanly(write_notebook, mlops_home):
    # The first run is quick, every later one sleeps long enough to be caught running.
    notebook = write_notebook([("seconds = 0.0", ["parameters"]), "import time\ntime.sleep(seconds)"])
    env = {**os.environ, "JUPYTER_MLOPS_HOME": str(mlops_home)}
    cli = subprocess.Popen([sys.executable, "-m", "jupyter_mlops.cli", "batch", str(notebook),
                            "-p", "seconds", "0,60,60,60,60", "--parallel", "2"],
                           env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    descendants: set[int] = set()
    deadline = time.monotonic() + 120
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
    assert len(descendants) >= 3  # the fork server and at least the two running kernels

    started = time.monotonic()
    cli.send_signal(signal.SIGINT)
    _, stderr = cli.communicate(timeout=60)
    assert time.monotonic() - started < 20, "cancelling took too long"
    assert cli.returncode == 1, stderr

    assert [pid for pid in descendants if _alive(pid)] == []
    (batch,), _ = list_batches()
    assert batch.status == BatchStatus.cancelled and batch.error == "cancelled by the user"
    runs, _ = list_runs(batch_id=batch.id)
    by_status = {}
    for run in runs:
        by_status.setdefault(run.status, []).append(run)
    assert len(by_status[RunStatus.succeeded]) == 1 and len(by_status[RunStatus.cancelled]) == 4
    kept = by_status[RunStatus.succeeded][0]
    assert kept.parameters == {"seconds": 0.0} and Path(kept.output_notebook).exists()
    assert sum("while running" in r.error for r in by_status[RunStatus.cancelled]) == 2
    assert sum(r.error.startswith("not started") for r in by_status[RunStatus.cancelled]) == 2
    assert "cancelled" in stderr
