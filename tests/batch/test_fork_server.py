"""A batch run in the foreground starts its kernels' fork server before it reads the notebook, and
its first kernels before it records the batch: a batch refused then leaves no fork server
behind, and kernelspecs are found without importing IPython (a third of a second of every
batch's start)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import psutil
import pytest

from jupyter_mlops.batch.forkserver import ForkServer
from jupyter_mlops.batch.local import start_local_kernels
from jupyter_mlops.batch.model import BatchSpec, BatchStatus
from jupyter_mlops.errors import BatchError, ParameterError
from jupyter_mlops.service.batches import list_batches, start_batch

FORK_SERVER = "jupyter_mlops.batch.forkserver"


def _fork_servers() -> list[psutil.Process]:
    servers = []
    for child in psutil.Process().children(recursive=True):
        try:
            if FORK_SERVER in child.cmdline() and child.status() != psutil.STATUS_ZOMBIE:
                servers.append(child)
        except psutil.NoSuchProcess:
            pass
    return servers


def test_a_batch_refused_after_its_fork_server_started_leaves_none(write_notebook):
    notebook = write_notebook([("alpha = 1", ["parameters"]), "print(alpha)"])
    spec = BatchSpec(notebook=str(notebook), points=[{"alpha": 2}, {"alpha": "not a number"}])
    with pytest.raises(ParameterError, match="alpha"):
        start_batch(spec, wait=True)
    assert _fork_servers() == []  # closed on the way out, not left importing or waiting
    assert list_batches()[0] == []  # and nothing was recorded


def test_a_foreground_batch_runs_on_the_fork_server_it_started_first(write_notebook):
    notebook = write_notebook([("alpha = 1", ["parameters"]), "import os\nprint(alpha, os.getpid())"])
    batch = start_batch(BatchSpec(notebook=str(notebook), points=[{"alpha": a} for a in (1, 2, 3)]), wait=True)
    assert batch.status == BatchStatus.succeeded, batch.error
    assert batch.counts == {"succeeded": 3}
    deadline = time.monotonic() + 10
    while _fork_servers() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert _fork_servers() == []  # the pool that took it closed it with the batch


def test_a_foreground_batch_forks_its_first_kernels_before_it_records_itself(write_notebook, monkeypatch):
    from jupyter_mlops.service import batches

    notebook = write_notebook([("alpha = 1", ["parameters"]), "print(alpha)"])
    forked_before_record = []
    real = batches.batch_store.create_batch

    def create_batch(*args, **kwargs):
        deadline = time.monotonic() + 60
        while not any(server.children() for server in _fork_servers()) and time.monotonic() < deadline:
            time.sleep(0.02)
        forked_before_record.append(sum(len(server.children()) for server in _fork_servers()))
        return real(*args, **kwargs)

    monkeypatch.setattr(batches.batch_store, "create_batch", create_batch)
    spec = BatchSpec(notebook=str(notebook), points=[{"alpha": a} for a in (1, 2, 3)], parallel=2)
    batch = start_batch(spec, wait=True)
    assert batch.status == BatchStatus.succeeded, batch.error
    assert batch.counts == {"succeeded": 3}
    assert 1 <= forked_before_record[0] <= 2  # the pool's spare kernels, no more


def test_a_fork_server_started_before_it_knows_its_imports(write_notebook):
    untold = ForkServer(None)
    with pytest.raises(BatchError, match="not told what to import"):
        untold.wait_ready()
    untold.close()  # it exits as soon as its client goes, told or not
    assert untold.process.returncode == 0

    told = ForkServer(None)
    told.preload(["json"])
    told.wait_ready()
    with pytest.raises(BatchError, match="told what to import already"):
        told.preload(["csv"])
    told.close()
    assert told.process.returncode == 0

    # One started for a notebook whose kernel turns out not to be forkable is closed at once.
    other = write_notebook(["print(1)"])
    content = json.loads(other.read_text())
    content["metadata"]["kernelspec"] = {"name": "no-such-kernel", "display_name": "none", "language": "python"}
    other.write_text(json.dumps(content))
    assert start_local_kernels("local", other, None, None) is None
    assert _fork_servers() == []


def test_kernelspecs_are_found_without_importing_ipython(tmp_path):
    # The legacy folder, $IPYTHONDIR/kernels, is still searched, as jupyter_client's default does.
    legacy = tmp_path / "ipython" / "kernels" / "legacy-py"
    legacy.mkdir(parents=True)
    (legacy / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "legacy", "language": "python"}))
    script = ("import sys\n"
              "from jupyter_mlops.batch.kernels import forkable_spec\n"
              "print(forkable_spec('python3') is not None, forkable_spec('legacy-py').resource_dir,\n"
              "      forkable_spec('no-such-kernel'), 'IPython' in sys.modules)\n")
    result = subprocess.run([sys.executable, "-c", script], env={**os.environ, "IPYTHONDIR": str(tmp_path / "ipython")},
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["True", str(legacy), "None", "False"]
