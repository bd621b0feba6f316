"""A real Dask cluster on 127.0.0.1: `dask scheduler` and `dask worker` as separate processes.

Each worker runs in a mount namespace of its own with a tmpfs over pytest's temporary folder,
where every test's notebook folder and store live: a worker cannot see them, so whatever a run
needs has travelled with it. Where a worker cannot be started that way (no `unshare`, not
root) the tests skip — loudly, on the terminal and in the summary.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import psutil
import pytest
from distributed import Client

from jupyter_mlops.run.backends.dask import cluster as clusters

from ..loud import LoudSkips

SKIPS = LoudSkips("DASK TESTS SKIPPED")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _dask() -> list[str]:
    return [sys.executable, "-m", "dask"]  # this very Python, as the workers must have


@dataclass
class DaskCluster:
    """Scheduler and workers started by a test; `stop()` ends every process it started."""

    hidden: Path  # what the workers cannot see
    log_dir: Path
    port: int = field(default_factory=_free_port)
    scheduler: subprocess.Popen | None = None
    workers: dict[str, subprocess.Popen] = field(default_factory=dict)

    @property
    def address(self) -> str:
        return f"tcp://127.0.0.1:{self.port}"

    def start_scheduler(self, env: dict[str, str] | None = None) -> None:
        log = open(self.log_dir / "scheduler.log", "ab")
        self.scheduler = subprocess.Popen(
            [*_dask(), "scheduler", "--host", "127.0.0.1", "--port", str(self.port), "--no-dashboard"],
            stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, cwd="/", start_new_session=True,
            env={**os.environ, **(env or {})})
        self._wait(lambda client: True)

    def start_worker(self, name: str, resources: str | None = None, nthreads: int = 1,
                     hide_also: tuple[Path, ...] = ()) -> subprocess.Popen:
        command = [*_dask(), "worker", self.address, "--host", "127.0.0.1", "--nthreads", str(nthreads),
                   "--no-dashboard", "--no-nanny", "--name", name]
        if resources:
            command += ["--resources", resources]
        # exec: the process we hold is the worker itself, so `kill -9` hits it and nothing else.
        mounts = " && ".join(f"mount -t tmpfs none {path}" for path in (self.hidden, *hide_also))
        shell = f"{mounts} && exec {' '.join(command)}"
        log = open(self.log_dir / f"{name}.log", "ab")
        process = subprocess.Popen(["unshare", "-m", "sh", "-c", shell], stdout=log, stderr=subprocess.STDOUT,
                                   stdin=subprocess.DEVNULL, cwd="/", start_new_session=True)
        self.workers[name] = process
        self._wait(lambda client: any(w["name"] == name for w in clusters.workers(client)
                                      .values()), process)
        return process

    def _wait(self, ready, process: subprocess.Popen | None = None, timeout: float = 90) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if process is not None and process.poll() is not None:
                raise RuntimeError(f"the Dask process exited ({process.returncode}); see {self.log_dir}")
            try:
                with Client(self.address, timeout=5) as client:
                    if ready(client):
                        return
            except OSError:
                pass
            time.sleep(0.3)
        raise RuntimeError(f"the Dask cluster at {self.address} did not come up in {timeout} s; see {self.log_dir}")

    def kernels(self, name: str) -> list[psutil.Process]:
        """Kernel processes under a worker (started for a run, or forked by a batch's fork server)."""
        try:
            children = psutil.Process(self.workers[name].pid).children(recursive=True)
        except psutil.NoSuchProcess:
            return []
        found = []
        for child in children:
            try:
                if child.status() == psutil.STATUS_ZOMBIE:
                    continue
                line = " ".join(child.cmdline())
                # A forked kernel keeps its fork server's command line; the server's parent is the worker.
                forked = "jupyter_mlops.batch.forkserver" in line and child.ppid() != self.workers[name].pid
                if "ipykernel_launcher" in line or forked:
                    found.append(child)
            except psutil.NoSuchProcess:
                continue
        return found

    def kill_worker(self, name: str) -> None:
        self.workers[name].send_signal(signal.SIGKILL)
        self.workers[name].wait()

    def stop(self) -> None:
        clusters.close_all()  # this process's clients first: they would try to reconnect
        for process in [*self.workers.values(), self.scheduler]:
            if process is not None and process.poll() is None:
                try:
                    os.killpg(process.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                process.wait()


def _can_hide(pytestconfig) -> None:
    reason = None
    if shutil.which("unshare") is None:
        reason = "no `unshare` command (util-linux)"
    elif os.getuid() != 0:
        reason = "not root: `unshare -m` + tmpfs need it"
    if reason:
        SKIPS.skip(pytestconfig, "DASK TESTS SKIPPED — workers cannot be started without a view of the test's "
                                 f"files: {reason}")


def pytest_terminal_summary(terminalreporter) -> None:
    SKIPS.summarise(terminalreporter)


@pytest.fixture
def new_cluster(tmp_path_factory, pytestconfig):
    """new_cluster(workers={"w1": resources or None}, scheduler_env) -> a started DaskCluster, stopped after
    the test."""
    _can_hide(pytestconfig)
    started: list[DaskCluster] = []

    def start(workers: dict[str, str | None], scheduler_env: dict[str, str] | None = None) -> DaskCluster:
        cluster = DaskCluster(hidden=tmp_path_factory.getbasetemp(), log_dir=Path(_log_dir()))
        started.append(cluster)
        cluster.start_scheduler(scheduler_env)
        for name, resources in workers.items():
            cluster.start_worker(name, resources)
        return cluster

    yield start
    for cluster in started:
        cluster.stop()


def _log_dir() -> str:
    return tempfile.mkdtemp(prefix="mlops-dask-test-")  # outside what the workers cannot see


@pytest.fixture(scope="module")
def shared_cluster(tmp_path_factory, pytestconfig):
    """Two workers for a whole test module: w1 offers pool `gpu` and a GPU, w2 nothing."""
    _can_hide(pytestconfig)
    cluster = DaskCluster(hidden=tmp_path_factory.getbasetemp(), log_dir=Path(_log_dir()))
    try:
        cluster.start_scheduler()
        cluster.start_worker("w1", "pool-gpu=1,GPU=1")
        cluster.start_worker("w2")
        yield cluster
    finally:
        cluster.stop()
