"""The dask backend on a real single-node Slurm (scripts/setup-slurm.sh), through dask-jobqueue's
SLURMCluster named by the `dask_cluster` setting: the run's worker is a Slurm job. Where no Slurm
node is up the test skips — loudly, on the terminal and in the summary."""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from jupyter_mlops.run.backends.dask import cluster as clusters
from jupyter_mlops.run.model import RunSpec, RunStatus
from jupyter_mlops.service.runs import run_notebook

from .conftest import SKIPS


def _slurm_node_up() -> str | None:
    if shutil.which("sinfo") is None:
        return "no sinfo: Slurm is not installed (scripts/setup-slurm.sh)"
    states = subprocess.run(["sinfo", "-h", "-N", "-o", "%T"], capture_output=True, text=True)
    if states.returncode != 0 or not any(s in states.stdout for s in ("idle", "mixed")):
        return f"no idle Slurm node (sinfo: {(states.stdout + states.stderr).strip() or 'nothing'}); " \
               "run scripts/setup-slurm.sh"
    return None


@pytest.fixture
def slurm(pytestconfig, monkeypatch):
    reason = _slurm_node_up()
    if reason:
        SKIPS.skip(pytestconfig, f"SLURM TEST SKIPPED — {reason}")
    logs = tempfile.mkdtemp(prefix="mlops-slurm-")
    monkeypatch.setenv("JUPYTER_MLOPS_DASK_CLUSTER", json.dumps({
        "class": "dask_jobqueue.SLURMCluster", "workers": 1,
        "args": {"cores": 1, "memory": "1GB", "processes": 1, "queue": "debug", "walltime": "00:10:00",
                 "scheduler_options": {"host": "127.0.0.1", "dashboard_address": ":0"}, "worker_extra_args": ["--host", "127.0.0.1"],
                 "job_directives_skip": ["--mem"], "log_directory": logs, "name": "mlops-test"}}))
    yield Path(logs)
    clusters.close_all()  # cancels the Slurm job
    shutil.rmtree(logs, ignore_errors=True)


def test_a_run_on_a_slurm_job(slurm, write_notebook):
    path = write_notebook([("alpha = 1", ["parameters"]),
                           "%%mlstep compute\nimport os\nprint('job', os.environ.get('SLURM_JOB_ID'), alpha * 2)"])
    run = run_notebook(RunSpec(notebook=str(path), backend="dask", parameters={"alpha": 21}))
    assert run.status == RunStatus.succeeded, Path(run.log_path).read_text()
    assert run.backend_info["cluster"] == "dask_cluster"
    log = Path(run.log_path).read_text()
    job = log.split("job ", 1)[1].split()[0]
    assert job.isdigit() and log.rstrip().endswith("succeeded") and " 42" in log  # ran inside a Slurm job
