"""The `dask` backend: each run is one task on a Dask cluster's worker (Slurm, PBS… through
dask-jobqueue), executed there with the same step-aware engine as a local run.

Nothing relies on a shared disk: the prepared notebook and the notebook's folder (what
`.gitignore` keeps, size-limited) travel with the task, and the output notebook, the log, the
files written to `$MLOPS_OUTPUT_DIR` (the run folder's `files/`) and the declared `--outputs`
(the run folder's `outputs/`) come back into the run folder. `--shared-path` skips the folder
when the workers see the same path.

While the run runs, the worker sends step events and log lines as Dask events on the run's
topic; they reach the store and the log at once, so live status and log tails work as for a
local run. A step's `--cpus`, `--memory`, `--gpus` and `--pool NAME` become the worker
resources `CPU`, `MEMORY` (bytes), `GPU` and `pool-NAME`: the run waits for a worker that
offers them (CPU and MEMORY count only on clusters where some worker declares them).

Stopping: cancel and timeout kill the kernel on the worker (`Future.cancel()` would not stop a
running task). A worker that dies mid-run makes Dask retry the run elsewhere; once Dask gives
up (`KilledWorker`), or when the scheduler itself goes away, the run is recorded `lost` with
the reason. In a batch, each worker holds the batch's folder and a kernel fork server
(`remote.BatchKernels`), so a point starts in a warm, fresh kernel. A batch whose process was
killed (kill -9) cannot remove that plugin itself: the next batch on the cluster, or the first
read of the batch (which records it failed), removes it (only for batches this store knows and
saw end).
"""

from __future__ import annotations

import io
import json
import queue
import tarfile
import threading
import time
import uuid
from concurrent.futures import CancelledError
from collections.abc import Callable
from pathlib import Path
from typing import Any

import nbformat
from distributed import Client, Future
from distributed.scheduler import KilledWorker

from ....config import settings
from ....errors import BackendError, DaskClusterError, MLOpsError
from ...model import RunStatus
from ...plan import PLAN_KEY
from ..base import Backend, BackendOutcome, Execution, RunGroup, StepEventSink
from ..docker.options import memory_bytes
from . import cluster as clusters
from . import remote
from .folder import checked_files, pack_folder

FILES = "files"
OUTPUTS = "outputs"
#: The engine interrupts a cell at the run timeout itself; the kernel is killed this many
#: seconds later only if the cell ignored the interrupt (as the docker backend does).
KILL_GRACE = 10.0
#: Seconds without a worker taking the run before the log says what it waits for.
WAIT_NOTICE = 2.0
POLL = 0.2
#: The event the future's own callback adds when the task has ended.
DONE = "done"

_groups: dict[str, _DaskGroup] = {}


def resources(steps: list[dict[str, Any]], workers: dict[str, dict[str, Any]]) -> dict[str, float]:
    """The Dask resources a run of these steps needs (one task runs them all: the largest ask)."""
    declared = {name for worker in workers.values() for name in (worker.get("resources") or {})}
    needed: dict[str, float] = {}
    gpus = max([int(s.get("gpus") or 0) for s in steps] or [0])
    if gpus:
        needed["GPU"] = gpus
    pools = {s["name"]: s["pool"] for s in steps if s.get("pool")}
    if len(set(pools.values())) > 1:
        listed = ", ".join(f"{name}: {pool}" for name, pool in pools.items())
        raise BackendError(f"steps ask for different pools ({listed}); one Dask task runs the whole notebook: "
                           "run the steps separately with --steps")
    if pools:
        needed[f"pool-{next(iter(pools.values()))}"] = 1
    cpus = max([float(s.get("cpus") or 0) for s in steps] or [0])
    if cpus and "CPU" in declared:
        needed["CPU"] = cpus
    memory = max([memory_bytes(s["memory"], f"step {s['name']} --memory") for s in steps if s.get("memory")] or [0])
    if memory and "MEMORY" in declared:
        needed["MEMORY"] = memory
    return needed


def _plan_steps(notebook: nbformat.NotebookNode) -> list[dict[str, Any]]:
    return notebook.metadata.get(PLAN_KEY, {}).get("steps", [])


def _working_dir(source: Path, cwd: Path | None, shared: bool) -> str:
    """The kernel's working directory relative to the shipped folder."""
    if cwd is None:
        return "."
    cwd, source = cwd.resolve(), source.resolve()
    if cwd.is_relative_to(source):
        return cwd.relative_to(source).as_posix()
    if shared:
        return str(cwd)  # absolute: the workers see it
    raise BackendError(f"--cwd {cwd} is outside the notebook's folder {source}, which is all that travels to the "
                       "Dask workers: use a folder inside it, or --shared-path if the workers see this path")


def _unpack(data: bytes, destination: Path) -> list[str]:
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
        names = [member.name for member in tar.getmembers() if member.isfile()]
        if names:
            destination.mkdir(parents=True, exist_ok=True)
            tar.extractall(destination, filter="data")
    return names


class DaskBackend(Backend):
    name = "dask"
    cluster = True

    def availability(self) -> tuple[bool, str]:
        try:
            return True, clusters.describe(clusters.configured_cluster(None))
        except MLOpsError as error:
            return False, str(error)

    def check(self, spec: Any) -> None:
        from ...prepare import prepare_notebook
        from ....pipeline import parse_pipeline, read_notebook

        cluster = clusters.configured_cluster(spec.cluster)
        source = Path(spec.notebook)
        notebook = read_notebook(source)
        _working_dir(source.parent, Path(spec.cwd) if spec.cwd else None, spec.shared_path)
        if not spec.shared_path:
            checked_files(source.parent, settings().dask_max_folder_size)
        if cluster == clusters.STARTED:
            clusters.check_cluster_setting()
            return
        client = clusters.client_for(cluster)
        prepared = prepare_notebook(notebook, parse_pipeline(notebook, name=str(source)), spec.steps,
                                    run_timeout=spec.timeout, only=spec.only)
        kernel = spec.kernel_name or notebook.metadata.get("kernelspec", {}).get("name")
        present = clusters.workers(client)
        asked = [*_plan_steps(prepared), {"name": "run", "cpus": spec.cpus, "memory": spec.memory}]
        clusters.check_workers(client, cluster, clusters.Requirement(resources(asked, present), kernel), present)

    def default_parallel(self, spec: Any) -> int | None:
        cluster = clusters.configured_cluster(spec.cluster)
        if cluster == clusters.STARTED:
            return None
        threads = sum(w["nthreads"] for w in clusters.workers(clusters.client_for(cluster)).values())
        return threads or None

    def open_group(self, group: str, spec: Any, runs: int, preload: list[str] | None) -> RunGroup | None:
        group_ = _DaskGroup(group, spec, runs, preload)
        _groups[group] = group_
        return group_

    def abandon_group(self, group: str, spec: Any) -> None:
        try:
            cluster = clusters.configured_cluster(spec.cluster)
            if cluster == clusters.STARTED:
                return  # that cluster was started by the dead process, and went with it
            # Short: a batch read (GET batches) may be what noticed the dead process.
            client = clusters.client_for(cluster, min(clusters.DESCRIBE_TIMEOUT, settings().dask_connect_timeout))
            if group in batch_plugins(client):
                _unregister(client, group)
        except Exception:  # no cluster configured, or it is gone: then nothing of the batch remains on it
            pass

    def release_abandoned(self, spec: Any, abandoned: Callable[[str], bool]) -> None:
        try:
            cluster = clusters.configured_cluster(spec.cluster)
            if cluster == clusters.STARTED:
                return  # a cluster this process starts holds no other process's batches
            client = clusters.client_for(cluster)
            present = batch_plugins(client)
        except Exception:  # no cluster, or a scheduler that runs no client's code (distributed.scheduler.pickle: false)
            return
        for batch_id in present:
            if abandoned(batch_id):
                _unregister(client, batch_id)

    def execute(self, execution: Execution, on_step_event: StepEventSink) -> BackendOutcome:
        try:
            cluster = clusters.configured_cluster(execution.cluster)
            client = clusters.client_for(cluster)
            return _Task(execution, cluster, client, on_step_event).run()
        except MLOpsError as error:  # no scheduler, a folder too large, steps asking for two pools…
            group = _groups.get(execution.group) if execution.group else None
            if group is not None and isinstance(error, DaskClusterError):
                group.stop_reason = str(error)
            return _outcome(execution, {}, RunStatus.failed, str(error))


class _DaskGroup(RunGroup):
    """A batch on the cluster: its folder and kernel fork server on every worker (a worker plugin)."""

    def __init__(self, group: str, spec: Any, runs: int, preload: list[str] | None) -> None:
        from ....batch.preload import modules_to_preload
        from ....pipeline import read_notebook

        self.group = group
        self.cancelled = threading.Event()
        self.cluster = clusters.configured_cluster(spec.cluster)
        self.client = clusters.client_for(self.cluster)
        notebook = Path(spec.notebook)
        source = read_notebook(notebook)
        folder = None if spec.shared_path else pack_folder(notebook.parent, settings().dask_max_folder_size)
        self.plugin = remote.plugin_name(group)
        self.client.register_plugin(remote.BatchKernels(
            group, folder, str(notebook.parent) if spec.shared_path else None,
            spec.kernel_name or source.metadata.get("kernelspec", {}).get("name"),
            modules_to_preload(source, notebook.parent, preload), total=2 * runs), name=self.plugin)

    def cancel(self) -> None:
        self.cancelled.set()
        try:
            self.client.run(remote.kill_batch, self.group, on_error="ignore")
        except Exception:  # the cluster is gone: its kernels went with it
            pass

    def close(self) -> None:
        _groups.pop(self.group, None)
        _unregister(self.client, self.group)


def batch_plugins(client: Client) -> list[str]:
    """The batch ids whose plugin the cluster's scheduler holds, whichever store's batches they are."""
    # A lambda travels by value: the scheduler need not have jupyter-mlops installed.
    names = client.run_on_scheduler(lambda dask_scheduler: list(dask_scheduler.worker_plugins))
    return [name.removeprefix(remote.PLUGIN_PREFIX) for name in names if name.startswith(remote.PLUGIN_PREFIX)]


def _unregister(client: Client, batch_id: str) -> None:
    """Remove a batch's plugin: each worker's teardown stops its fork server and kernels and deletes its folder."""
    try:
        client.unregister_worker_plugin(remote.plugin_name(batch_id))
    except Exception:  # already removed, the cluster is gone, or a worker left: nothing of the batch remains there
        pass


class _Task:
    """One run as a Dask task, watched from here until it ends."""

    def __init__(self, execution: Execution, cluster: str, client: Client, on_step_event: StepEventSink) -> None:
        self.execution = execution
        self.cluster = cluster
        self.client = client
        self.on_step_event = on_step_event
        self.group = _groups.get(execution.group) if execution.group else None
        self.events: queue.SimpleQueue[dict[str, Any]] = queue.SimpleQueue()
        self.topic = f"jupyter-mlops-{execution.run_id}-{uuid.uuid4().hex[:8]}"
        self.info: dict[str, Any] = {"cluster": cluster}
        self.address: str | None = None
        self.attempts = 0
        self.kill_at: float | None = None
        self.killed_at_deadline = False
        self.notes: list[str] = []
        self.log_start = execution.log_path.stat().st_size if execution.log_path.exists() else 0

    # -- before --------------------------------------------------------------------------

    def _job(self) -> tuple[dict[str, Any], bytes | None, dict[str, float]]:
        execution = self.execution
        text = execution.input_notebook.read_text(encoding="utf-8")
        steps = json.loads(text)["metadata"].get(PLAN_KEY, {}).get("steps", [])  # no validation: we wrote it
        # The run's own --cpus / --memory count as one more ask beside its steps'.
        asked = [*steps, {"name": "run", "cpus": execution.cpus, "memory": execution.memory}]
        present = clusters.workers(self.client)
        needed = resources(asked, present)
        if self.cluster != clusters.STARTED:
            clusters.check_workers(self.client, self.cluster, clusters.Requirement(needed, None), present)
        shared = execution.shared_path
        folder = None
        if not shared and self.group is None:
            folder = pack_folder(execution.source_dir, settings().dask_max_folder_size)
        job = {
            "run_id": execution.run_id, "topic": self.topic, "notebook": text, "parameters": execution.parameters,
            "kernel_name": execution.kernel_name, "execution_timeout": execution.execution_timeout,
            "save_each_cell": execution.save_each_cell, "batch_id": self.group and self.group.group,
            # Secrets' values travel with the task, in memory; the worker masks them in all it writes.
            "environment": execution.environment, "mask": execution.secret_values,
            "cwd": _working_dir(execution.source_dir, execution.cwd, shared),
            "shared_dir": str(execution.source_dir.resolve()) if shared else None,
            "outputs": sorted({path for step in steps for path in step.get("outputs", [])}),
        }
        return job, folder, needed

    # -- while ---------------------------------------------------------------------------

    def _note(self, text: str) -> None:
        """A line of our own in the run's log, kept when the log is rewritten from the worker's."""
        self.notes.append(f"[mlops] {text}\n")
        with open(self.execution.log_path, "a", encoding="utf-8") as log:
            log.write(self.notes[-1])

    def _restart_log(self, text: str = "") -> None:
        """The log as it was before the run, our notes, then `text`."""
        with open(self.execution.log_path, "a", encoding="utf-8") as log:
            log.truncate(self.log_start)  # appending goes on from the new end
            log.write("".join(self.notes) + text)

    def _handle(self, event: dict[str, Any]) -> None:
        kind = event["kind"]
        if kind == DONE:
            return
        if kind == "executing":
            self.attempts += 1
            if self.attempts > 1:  # Dask retried the run after its worker died: its log starts again
                self._restart_log()
                self._note(f"worker {self.info.get('worker')} was lost during the run; Dask started it again "
                           f"on worker {event['name']} (attempt {self.attempts})")
            self.address = event["address"]
            self.info.update(worker=event["name"], worker_address=event["address"], attempts=self.attempts)
            if self.execution.on_info:
                self.execution.on_info(dict(self.info))
            if self.execution.run_timeout:
                self.kill_at = time.monotonic() + self.execution.run_timeout + KILL_GRACE
        elif kind == "step":
            self.on_step_event(event["step"], event["event"], event["details"])
        elif kind == "log":
            with open(self.execution.log_path, "a", encoding="utf-8") as log:
                log.write(event["text"])

    def _kill_on_worker(self) -> None:
        if self.address is None:
            return
        try:
            self.client.run(remote.kill_run, self.execution.run_id, workers=[self.address], on_error="ignore")
        except Exception:  # the worker or the scheduler is gone, and the kernel with it
            pass

    def _watch(self, future: Future, needed: dict[str, float]) -> None:
        submitted = time.monotonic()
        noticed = False
        while not future.done():
            try:
                self._handle(self.events.get(timeout=POLL))
            except queue.Empty:
                pass
            if self.group is not None and self.group.cancelled.is_set():
                self._kill_on_worker()
                future.cancel()
                raise _Cancelled
            if self.kill_at is not None and not self.killed_at_deadline and time.monotonic() > self.kill_at:
                self.killed_at_deadline = True
                self._kill_on_worker()
            if not noticed and self.attempts == 0 and time.monotonic() - submitted > WAIT_NOTICE:
                noticed = True
                asked = ", ".join(f"{name}={amount:g}" for name, amount in needed.items())
                self._note(f"waiting for a Dask worker at {self.cluster}"
                           + (f" offering {asked}" if asked else "") + " (all busy)")
        while True:  # what arrived along with the end
            try:
                self._handle(self.events.get_nowait())
            except queue.Empty:
                break

    # -- after ---------------------------------------------------------------------------

    def _bring_back(self, result: dict[str, Any]) -> None:
        execution = self.execution
        run_dir = execution.output_notebook.parent
        if result["output_notebook"] is not None:
            execution.output_notebook.write_text(result["output_notebook"], encoding="utf-8")
        # The worker's log is complete; the events may have arrived in another order than the result.
        self._restart_log(result["log"])
        files = _unpack(result["files"], run_dir / FILES)
        outputs = _unpack(result["outputs"], run_dir / OUTPUTS)
        self.info.update(worker=result["worker"], worker_address=result["address"])
        if files:
            self.info["files"] = len(files)
        if outputs:
            self.info["outputs_dir"] = str(run_dir / OUTPUTS)

    def run(self) -> BackendOutcome:
        execution = self.execution
        job, folder, needed = self._job()
        self.client.subscribe_topic(self.topic, lambda event: self.events.put(event[1]))
        try:
            future = self.client.submit(remote.execute_job, job, folder, key=self.topic, pure=False,
                                        resources=needed or None)
            future.add_done_callback(lambda _future: self.events.put({"kind": DONE}))  # wakes the watch at once
            try:
                self._watch(future, needed)
            except KeyboardInterrupt:  # cancelled: kill the kernel on the worker, then record it
                self._kill_on_worker()
                future.cancel()
                raise
            except _Cancelled:
                return _outcome(execution, self.info, RunStatus.cancelled, "cancelled by the user while running")
            try:
                result = future.result()
            except KilledWorker as error:
                return _outcome(execution, self.info, RunStatus.lost,
                                f"its Dask worker died while running it, and Dask gave up retrying it elsewhere "
                                f"({error})")
            except CancelledError:
                if self.client.status != "running" or not _answers(self.client):
                    gone = f"the Dask scheduler at {self.cluster} went away"
                    if self.group is not None:
                        self.group.stop_reason = gone
                    return _outcome(execution, self.info, RunStatus.lost, f"{gone} during the run")
                return _outcome(execution, self.info, RunStatus.cancelled, "its Dask task was cancelled")
            except Exception as error:  # the task could not even start (e.g. unpickling on the worker)
                return _outcome(execution, self.info, RunStatus.failed,
                                f"the Dask task failed: {type(error).__name__}: {error}")
        finally:
            try:
                self.client.unsubscribe_topic(self.topic)
            except Exception:
                pass
        self._bring_back(result)
        where = f" on worker {result['worker']}"
        if self.killed_at_deadline:
            return _outcome(execution, self.info, RunStatus.timed_out,
                            f"the run exceeded its timeout of {execution.run_timeout:g} s; the cell ignored the "
                            f"interrupt, so its kernel{where} was killed {KILL_GRACE:g} s later")
        if result["error"] is not None:
            return BackendOutcome(status=RunStatus.failed, error=execution.masker.text(result["error"]) + where,
                                  info=self.info)
        return BackendOutcome(info=self.info)


class _Cancelled(Exception):
    """The run's group (batch) was cancelled."""


def _answers(client: Client) -> bool:
    try:
        clusters.identity(client)
        return True
    except Exception:
        return False


def _outcome(execution: Execution, info: dict[str, Any], status: RunStatus, error: str) -> BackendOutcome:
    error = execution.masker.text(error)
    with open(execution.log_path, "a", encoding="utf-8") as log:
        log.write(f"[mlops] {error}\n")
    return BackendOutcome(status=status, error=error, info=info)


__all__ = ["DaskBackend", "resources"]
