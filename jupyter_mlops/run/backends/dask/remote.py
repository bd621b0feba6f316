"""What runs on a Dask worker: one task per run, executed with the step-aware engine.

The task gets everything as data — the prepared notebook, the notebook's folder (a tar.gz, or
a path the worker sees with `--shared-path`), parameters, the kernel's variables (secrets'
values among them, in memory only, masked as *** in all the run writes) — and returns
everything as data:
the output notebook, the log, the files written to `$MLOPS_OUTPUT_DIR` and the declared
outputs. While it runs, step events and log lines go to the client as Dask events on the
run's topic (`Worker.log_event`, safe from the task's thread).

The kernel is a process the task starts (or, in a batch, takes from the worker's warm pool);
the task records it in `_RUNNING` so that `kill_run` — sent by the client through
`Client.run`, because `Future.cancel()` does not stop a running task — can kill it. A kernel
also dies with its worker: jupyter_client (or the fork server) gives it the worker as parent,
and ipykernel exits when its parent is gone.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import signal
import sys
import tempfile
import threading
from pathlib import Path
from typing import Any

import papermill
import zmq.asyncio
from distributed import WorkerPlugin, get_worker
from jupyter_client.manager import AsyncKernelManager
from papermill.exceptions import PapermillExecutionError

import jupyter_mlops

from ....secrets.masking import Masker
from ... import engine
from .folder import pack_files, unpack_folder

FILES = "files"
#: The worker plugin of a batch, by batch id: `plugin_name(batch_id)`.
PLUGIN_PREFIX = "jupyter-mlops-batch-"
#: Seconds between two sends of the log lines a run wrote.
LOG_INTERVAL = 0.3

_RUNNING: dict[str, tuple[str | None, Any]] = {}  # run id -> (batch id, kernel manager)
_LOCK = threading.Lock()


def plugin_name(batch_id: str) -> str:
    return PLUGIN_PREFIX + batch_id


def probe() -> dict[str, Any]:
    """What the client checks before it sends a run: this worker's Python and packages, and kernels."""
    from jupyter_client.kernelspec import KernelSpecManager

    return {"python": list(sys.version_info[:2]), "papermill": papermill.__version__,
            "jupyter_mlops": getattr(jupyter_mlops, "__version__", "?"),
            "kernels": sorted(KernelSpecManager().find_kernel_specs())}


def _kill_kernel(manager: Any) -> None:
    process = getattr(manager.provisioner, "process", None) if manager.provisioner else None
    if process is None:
        return
    try:
        os.killpg(process.pid, signal.SIGKILL)  # the kernel leads its own session, children included
    except (ProcessLookupError, PermissionError):
        try:
            process.kill()
        except ProcessLookupError:
            pass


def kill_run(run_id: str) -> bool:
    """Kill the kernel of a run executing on this worker (called through `Client.run`)."""
    with _LOCK:
        found = _RUNNING.get(run_id)
    if found is None:
        return False
    _kill_kernel(found[1])
    return True


def kill_batch(batch_id: str) -> int:
    """Kill the kernels of every run of a batch executing on this worker; how many."""
    with _LOCK:
        managers = [manager for batch, manager in _RUNNING.values() if batch == batch_id]
    for manager in managers:
        _kill_kernel(manager)
    return len(managers)


class BatchKernels(WorkerPlugin):
    """A batch's warm kernels on one worker: its folder unpacked once and a kernel fork server.

    Installed on every worker (now and joining later) when the batch starts and removed when it
    ends; runs of the batch take a forked kernel from it, exactly as a local batch does.
    """

    def __init__(self, batch_id: str, folder: bytes | None, shared_dir: str | None, kernel_name: str | None,
                 preload: list[str], total: int) -> None:
        self.batch_id = batch_id
        self.folder = folder
        self.shared_dir = shared_dir
        self.kernel_name = kernel_name
        self.preload = preload
        self.total = total
        self.root: Path | None = None
        self.pool: Any = None
        self.error: str | None = None

    def setup(self, worker: Any) -> None:
        from ....batch.kernels import KernelPool, forkable_spec

        if self.shared_dir is None:
            self.root = Path(tempfile.mkdtemp(prefix="mlops-batch-"))
            unpack_folder(self.folder, self.root)
            self.folder = None  # unpacked: no need to keep the bytes in the worker's memory
        spec = forkable_spec(self.kernel_name) if self.kernel_name else None
        if spec is None:
            return  # each run starts its own kernel
        try:
            self.pool = KernelPool(self.kernel_name, spec, self.working_root, preload=self.preload,
                                   spare=worker.state.nthreads, total=self.total)
        except Exception as error:  # slower, but each run still gets a fresh kernel of its own
            self.error = f"{type(error).__name__}: {error}"

    @property
    def working_root(self) -> Path:
        return Path(self.shared_dir) if self.shared_dir is not None else self.root

    async def teardown(self, worker: Any) -> None:
        # In a thread: teardown runs on the worker's event loop, where the pool's own asyncio.run
        # (freeing each kernel's sockets) cannot, and where a blocking join would stall the worker.
        await asyncio.to_thread(self._release)

    def _release(self) -> None:
        if self.pool is not None:
            self.pool.close()
        if self.root is not None:
            shutil.rmtree(self.root, ignore_errors=True)


class _LiveLog:
    """The run's log file, whose new text is also sent to the client every LOG_INTERVAL seconds."""

    def __init__(self, path: Path, send: Any) -> None:
        self.file = open(path, "a", encoding="utf-8")
        self.send = send
        self.pending: list[str] = []
        self.lock = threading.Lock()
        self.done = threading.Event()
        self.thread = threading.Thread(target=self._pump, name="mlops-dask-log", daemon=True)
        self.thread.start()

    def write(self, text: str) -> int:
        self.file.write(text)
        with self.lock:
            self.pending.append(text)
        return len(text)

    def flush(self) -> None:
        self.file.flush()

    def _send_pending(self) -> None:
        with self.lock:
            text, self.pending = "".join(self.pending), []
        if text:
            self.send("log", {"text": text})

    def send_after_log(self, kind: str, payload: dict[str, Any]) -> None:
        """Send an event after the log text written before it, so a log tail keeps their order."""
        with self.lock:  # held while sending: the pump cannot slip newer text in between
            text, self.pending = "".join(self.pending), []
            if text:
                self.send("log", {"text": text})
            self.send(kind, payload)

    def _pump(self) -> None:
        while not self.done.wait(LOG_INTERVAL):
            self._send_pending()

    def close(self) -> None:
        self.done.set()
        self.thread.join()
        self._send_pending()
        self.file.close()


def _start_kernel(kernel_name: str, cwd: Path, env: dict[str, str]) -> AsyncKernelManager:
    # A kernel of our own in the run's working directory: papermill's `cwd` is a process-wide
    # chdir, which the threads of one worker must not race on.
    manager = AsyncKernelManager(kernel_name=kernel_name, context=zmq.asyncio.Context())
    asyncio.run(manager.start_kernel(cwd=str(cwd), env=env,
                                     extra_arguments=["--HistoryManager.hist_file=:memory:"]))
    return manager


def _stop_kernel(manager: AsyncKernelManager) -> None:
    _kill_kernel(manager)
    asyncio.run(manager.cleanup_resources())
    manager.context.destroy(linger=0)


def execute_job(job: dict[str, Any], folder: bytes | None) -> dict[str, Any]:
    """The Dask task of one run. `folder`: the notebook's folder as a tar.gz, unless the batch's
    plugin holds it or the workers see it (`job["shared_dir"]`)."""
    worker = get_worker()
    run_id, batch_id = job["run_id"], job.get("batch_id")

    def send(kind: str, payload: dict[str, Any]) -> None:
        worker.log_event(job["topic"], {"kind": kind, **payload})

    # Not "worker": the scheduler sets that key of a worker's event to the worker's address.
    send("executing", {"name": str(worker.name), "address": worker.address})
    plugin = worker.plugins.get(plugin_name(batch_id)) if batch_id else None
    scratch = Path(tempfile.mkdtemp(prefix=f"mlops-{run_id}-"))
    try:
        if job.get("shared_dir"):
            root = Path(job["shared_dir"])
        elif plugin is not None:
            root = plugin.working_root
        else:
            root = scratch / "src"
            unpack_folder(folder, root)
        cwd = root / job["cwd"]
        files = scratch / FILES
        files.mkdir()
        input_path, output_path, log_path = scratch / "input.ipynb", scratch / "output.ipynb", scratch / "run.log"
        input_path.write_text(job["notebook"], encoding="utf-8")
        environment = {**job["environment"], "MLOPS_OUTPUT_DIR": str(files), "JUPYTER_MLOPS_RUN_ID": run_id}
        kernel_name = job["kernel_name"] or json.loads(job["notebook"])["metadata"].get(
            "kernelspec", {}).get("name") or "python3"
        log = _LiveLog(log_path, send)
        masker = Masker(job["mask"])
        pooled = plugin is not None and plugin.pool is not None
        error = None
        manager = None
        try:
            if pooled:
                manager = plugin.pool.take()
            else:
                manager = _start_kernel(kernel_name, cwd, {**os.environ, **environment})
            with _LOCK:
                _RUNNING[run_id] = (batch_id, manager)
            papermill.execute_notebook(
                str(input_path), str(output_path), parameters=job["parameters"], engine_name=engine.ENGINE_NAME,
                kernel_name=kernel_name, km=manager, request_save_on_cell_execute=job["save_each_cell"],
                execution_timeout=job["execution_timeout"], progress_bar=False,
                mlops_on_step_event=lambda step, event, details: log.send_after_log(
                    "step", {"step": step, "event": event, "details": json.loads(json.dumps(details, default=str))}),
                mlops_log=log, mlops_mask=job["mask"],
                # A pooled kernel started before its run: it gets the run's variables and folder now.
                mlops_kernel_environment=environment if pooled else {}, mlops_cwd=str(cwd) if pooled else None)
        except PapermillExecutionError:
            pass  # the engine recorded which step failed and why in the output notebook
        except Exception as failure:  # the kernel could not start, the notebook could not be written…
            error = masker.text(f"{type(failure).__name__}: {failure}")
            log.write(f"[mlops] {error}\n")
        finally:
            with _LOCK:
                _RUNNING.pop(run_id, None)
            if manager is not None:
                if pooled:
                    plugin.pool.discard(manager)
                else:
                    _stop_kernel(manager)
            log.close()
        return {
            "worker": str(worker.name), "address": worker.address, "error": error,
            "output_notebook": output_path.read_text(encoding="utf-8") if output_path.exists() else None,
            "log": log_path.read_text(encoding="utf-8", errors="replace"),
            "files": pack_files(files, sorted(os.listdir(files))),
            "outputs": pack_files(cwd, [p for p in job["outputs"] if (cwd / p).exists()]),
        }
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
