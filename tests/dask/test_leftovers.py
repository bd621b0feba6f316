"""A batch process killed with SIGKILL leaves its plugin (folder, fork server, kernels) on the workers;
the next batch on the cluster removes it, and leaves alone a plugin this store does not know."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
from distributed import Client

from jupyter_mlops.batch.model import BatchSpec, BatchStatus
from jupyter_mlops.run.backends.dask import batch_plugins
from jupyter_mlops.run.backends.dask.remote import PLUGIN_PREFIX, BatchKernels, plugin_name
from jupyter_mlops.service.batches import get_batch, list_batches, start_batch
from jupyter_mlops.service.runs import list_runs

SLOW = "%%mlstep slow\nimport time\ntime.sleep(seconds)"
FOREIGN = "batch-of-another-store"


def _wait(condition, what: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def _worker_plugins(client: Client) -> dict[str, str | None]:
    """The batch plugins on the (one) worker, with the folder each unpacked."""
    answers = client.run(lambda dask_worker, prefix=PLUGIN_PREFIX: {
        name: plugin.root and str(plugin.root) for name, plugin in dask_worker.plugins.items()
        if name.startswith(prefix)})
    return next(iter(answers.values()))


def _fork_servers(worker_pid: int) -> list[psutil.Process]:
    """The worker's fork servers and the kernels they forked (which keep the server's command line)."""
    found = []
    for child in psutil.Process(worker_pid).children(recursive=True):
        try:
            if child.status() != psutil.STATUS_ZOMBIE and "jupyter_mlops.batch.forkserver" in " ".join(child.cmdline()):
                found.append(child)
        except psutil.NoSuchProcess:
            continue
    return found


def test_a_killed_batch_s_plugin_is_removed_by_the_next_batch(new_cluster, write_notebook, tmp_path):
    cluster = new_cluster({"w1": None})
    path = write_notebook([("seconds = 0", ["parameters"]), SLOW])
    client = Client(cluster.address, timeout=10)
    try:
        # Another store's batch on the same cluster: its plugin must survive our cleanup.
        client.register_plugin(BatchKernels(FOREIGN, None, "/", None, [], total=1), name=plugin_name(FOREIGN))
        with open(tmp_path / "cli.log", "wb") as log:
            cli = subprocess.Popen([sys.executable, "-m", "jupyter_mlops.cli", "batch", str(path), "--backend", "dask",
                                    "--cluster", cluster.address, "-p", "seconds", "30,31"],
                                   stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)

        def running() -> bool:
            assert cli.poll() is None, (tmp_path / "cli.log").read_text()
            runs = list_runs(status="running")[0]
            return bool(runs) and any(s.status.value == "running" for s in runs[0].steps)

        _wait(running, "a run of the batch to be running on the worker")
        dead = list_batches()[0][0].id
        root = _worker_plugins(client)[plugin_name(dead)]
        assert root is not None and Path(root).is_dir()
        worker_pid = cluster.workers["w1"].pid
        servers = _fork_servers(worker_pid)
        assert servers, "the batch's fork server should run on the worker"

        cli.send_signal(signal.SIGKILL)
        cli.wait()
        time.sleep(1)  # the problem: nothing of the dead batch went away by itself
        assert dead in batch_plugins(client) and plugin_name(dead) in _worker_plugins(client)
        assert all(server.is_running() for server in servers) and Path(root).is_dir()

        cleaner = start_batch(BatchSpec(notebook=str(path), points=[{"seconds": 0}], backend="dask",
                                        cluster=cluster.address), wait=True)
        assert cleaner.status == BatchStatus.succeeded, cleaner.error

        assert sorted(batch_plugins(client)) == [FOREIGN]
        assert list(_worker_plugins(client)) == [plugin_name(FOREIGN)]
        _, alive = psutil.wait_procs(servers, timeout=20)
        assert not [p for p in alive if p.status() != psutil.STATUS_ZOMBIE], "the dead batch's fork server lives on"
        assert not os.path.exists(root)
        record = get_batch(dead)
        assert record.status == BatchStatus.failed and "ended without finishing" in record.error
    finally:
        client.close()
