"""Reaching the Dask cluster: `--cluster`, else the `dask_scheduler` setting (an address or a scheduler
file), else a cluster this process starts from the `dask_cluster` setting (e.g. dask-jobqueue's
SLURMCluster). One client per cluster per process, kept while the scheduler answers."""

from __future__ import annotations

import atexit
import importlib
import sys
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from distributed import Client

from ....config import env_name, settings
from ....errors import DaskClusterError, DaskWorkerError
from . import remote

SCHEMES = ("tcp://", "tls://", "ws://", "wss://", "ucx://", "inproc://")
#: How a run names the cluster of the `dask_cluster` setting in its record.
STARTED = "dask_cluster"

_lock = threading.Lock()
_clients: dict[str, Client] = {}
_started: dict[str, Any] = {}  # clusters this process started, by their key
_probed: dict[tuple[str, frozenset[str]], dict[str, Any]] = {}


def configured_cluster(cluster: str | None) -> str:
    """Which cluster a run means: its `--cluster`, the `dask_scheduler` setting, or the `dask_cluster` one."""
    if cluster:
        return cluster
    configured = settings()
    if configured.dask_scheduler:
        return configured.dask_scheduler
    if configured.dask_cluster:
        return STARTED
    raise DaskClusterError(
        f"no Dask cluster given: pass --cluster tcp://HOST:8786 (or a scheduler file), or set dask_scheduler "
        f"({env_name('dask_scheduler')}) or dask_cluster")


def _cluster_class() -> tuple[Any, dict[str, Any], int]:
    spec = settings().dask_cluster
    where = f"setting dask_cluster ({env_name('dask_cluster')})"
    unknown = set(spec) - {"class", "args", "workers"}
    if unknown or not isinstance(spec.get("class"), str):
        raise DaskClusterError(f"{where} = {spec!r}: give {{\"class\": \"module.Class\", \"args\": {{...}}, "
                               f"\"workers\": N}}" + (f" (unknown keys: {', '.join(sorted(unknown))})" if unknown else ""))
    module, _, name = spec["class"].rpartition(".")
    try:
        cls = getattr(importlib.import_module(module), name)
    except (ImportError, AttributeError, ValueError) as error:
        raise DaskClusterError(f"{where}: cannot import {spec['class']!r} ({error}); is its package installed "
                               "(e.g. pip install dask-jobqueue)?") from None
    return cls, dict(spec.get("args") or {}), int(spec.get("workers", 1))


def check_cluster_setting() -> None:
    """The `dask_cluster` setting names an importable class (the cluster starts with the run)."""
    _cluster_class()


#: Seconds `GET backends` waits for a scheduler: the dialogs ask it as they open.
DESCRIBE_TIMEOUT = 2.0


def _connect(cluster: str, timeout: float) -> Client:
    if cluster == STARTED:
        cls, args, workers = _cluster_class()
        try:
            started = cls(**args)
            started.scale(workers)
        except Exception as error:
            raise DaskClusterError(f"setting dask_cluster: {cls.__name__}(**{args!r}) could not start: "
                                   f"{type(error).__name__}: {error}") from None
        if not _started:
            atexit.register(close_all)  # e.g. Slurm jobs: cancelled when this process ends
        _started[cluster] = started
        return Client(started, set_as_default=False)
    if cluster.startswith(SCHEMES):
        target = {"address": cluster}
    else:
        if not Path(cluster).is_file():
            raise DaskClusterError(f"Dask scheduler file {cluster} does not exist: start the scheduler with "
                                   f"`dask scheduler --scheduler-file {cluster}`, or give its address tcp://HOST:PORT")
        target = {"scheduler_file": cluster}
    try:
        return Client(**target, timeout=timeout, set_as_default=False)
    except (OSError, TimeoutError) as error:
        raise DaskClusterError(f"no Dask scheduler answers at {cluster} within {timeout:g} s ({error}); start it "
                               f"(dask scheduler), or check --cluster / dask_scheduler") from None


def client_for(cluster: str, timeout: float | None = None) -> Client:
    """A connected client (made once per process and cluster; made again once the scheduler went away).

    `timeout`: seconds to wait for the scheduler; default: the dask_connect_timeout setting."""
    with _lock:
        client = _clients.get(cluster)
        if client is not None and client.status == "running":
            return client
        if client is not None:
            client.close()
        _clients[cluster] = client = _connect(cluster, settings().dask_connect_timeout if timeout is None else timeout)
        return client


def describe(cluster: str) -> str:
    """The cluster's address and what it offers, e.g. for `GET backends`."""
    if cluster == STARTED:
        if cluster not in _clients:
            cls, _, workers = _cluster_class()
            return f"a {cls.__name__} started with each run, scaled to {workers} worker(s)"
    info = identity(client_for(cluster, min(DESCRIBE_TIMEOUT, settings().dask_connect_timeout)))
    workers = info["workers"].values()
    threads = sum(w["nthreads"] for w in workers)
    memory = sum(w.get("memory_limit") or 0 for w in workers)
    return (f"Dask scheduler {info['address']}: {len(workers)} worker(s), {threads} thread(s), "
            f"{memory / 2**30:.1f} GiB")


def identity(client: Client) -> dict[str, Any]:
    """The scheduler's answer now, with every worker; raises when the scheduler does not answer.

    Not `client.scheduler_info()`: it returns the client's cache, which the client's own periodic refresh
    overwrites with a summary without workers, so a read from another thread can find none at all."""
    return client.sync(client.scheduler.identity, n_workers=-1)


def workers(client: Client) -> dict[str, dict[str, Any]]:
    return identity(client)["workers"]


@dataclass(frozen=True)
class Requirement:
    resources: dict[str, float]
    kernel_name: str | None


def check_workers(client: Client, cluster: str, requirement: Requirement,
                  present: dict[str, dict[str, Any]] | None = None) -> None:
    """Refuse a run no worker can take: their Python, jupyter-mlops/papermill, kernel or resources.

    `present`: the scheduler's workers, if just asked. A worker's answer is kept per process
    (workers that join later are asked when they appear).
    """
    present = workers(client) if present is None else present
    if not present:
        if cluster == STARTED:
            return  # the cluster's workers are still starting (e.g. Slurm jobs waiting for a node)
        raise DaskWorkerError(f"the Dask scheduler at {cluster} has no workers: start some "
                              f"(dask worker {client.scheduler.address})")
    key = (cluster, frozenset(present))
    with _lock:
        answers = _probed.get(key)
    if answers is None:
        answers = client.run(remote.probe, on_error="return")
        with _lock:
            _probed[key] = answers
    here = list(sys.version_info[:2])
    usable = []
    for address, answer in answers.items():
        name = present.get(address, {}).get("name", address)
        if isinstance(answer, BaseException):
            raise DaskWorkerError(f"Dask worker {name} cannot run notebooks: {type(answer).__name__}: {answer} — "
                                  "install jupyter-mlops (with papermill and ipykernel) in the workers' Python")
        if answer["python"] != here:
            raise DaskWorkerError(
                f"Dask worker {name} runs Python {'.'.join(map(str, answer['python']))}, this side "
                f"{'.'.join(map(str, here))}: start the workers with the same Python as jupyter-mlops")
        if requirement.kernel_name and requirement.kernel_name not in answer["kernels"]:
            continue
        usable.append(address)
    if not usable:
        raise DaskWorkerError(f"no Dask worker at {cluster} has the kernel {requirement.kernel_name!r}: install it "
                              "on the workers (python -m ipykernel install), or pick another with --kernel")
    if not requirement.resources:
        return
    for address in usable:
        offered = present[address].get("resources") or {}
        if all(offered.get(name, 0) >= amount for name, amount in requirement.resources.items()):
            return
    asked = ", ".join(f"{name}={amount:g}" for name, amount in requirement.resources.items())
    raise DaskWorkerError(f"no Dask worker at {cluster} offers {asked}: start one with "
                          f"dask worker {client.scheduler.address} --resources \"{asked}\"")


def close_all() -> None:
    """Close this process's clients and the clusters it started."""
    with _lock:
        for client in _clients.values():
            client.close()
        for started in _started.values():
            started.close()
        _clients.clear()
        _started.clear()
