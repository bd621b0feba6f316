"""User-facing actions on pipelines and runs: one function each, shared by every face."""

from __future__ import annotations

import copy
import json
import logging
import os
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import nbformat
from nbformat import NotebookNode

from ..config import settings
from ..errors import LauncherError, MLOpsError, RunStateError
from ..lineage.capture import working_dir
from ..notify.channels import check_ready
from ..pipeline import Pipeline, parse_pipeline, read_notebook
from ..pipeline.parser import notebook_from_json
from ..pipeline.parameters import validate_parameters
from ..run.backends import get_backend
from ..run.executor import INPUT_NOTEBOOK, ProgressCallback, execute_run
from ..run.launcher import Launcher, WorkerProcess, launch_through
from ..run.model import Run, RunSpec, RunStatus
from ..run.prepare import prepare_notebook
from ..store import runs as run_store
from ..secrets.environment import check_secrets
from ..store import workers
from ..store.versions import read_version
from .kernels import check_kernel

log = logging.getLogger(__name__)

#: The warm-run launcher of this process, when the server or the daemon started one.
_launcher: Launcher | None = None
_launcher_lock = threading.Lock()
#: The kernelspec most notebooks name: its warm kernels are started with the launcher.
DEFAULT_KERNEL = "python3"
#: Where the launcher of the process that started this one listens: the Jupyter server sets it,
#: so its kernels (the widgets' Run) and batch workers start runs warm too.
LAUNCHER_SOCKET = "JUPYTER_MLOPS_LAUNCHER_SOCKET"


def get_pipeline(notebook: str | os.PathLike | NotebookNode, *, name: str | None = None) -> Pipeline:
    """The validated pipeline a notebook (path or content) declares."""
    return parse_pipeline(notebook, name=name)


def read_notebook_content(content: Any, name: str) -> NotebookNode:
    """Notebook JSON (unsaved editor content) as a saved notebook is read, or a NotebookError."""
    return notebook_from_json(copy.deepcopy(content), name)


def _validated(spec: RunSpec) -> tuple[RunSpec, NotebookNode]:
    """The spec with an absolute notebook path and checked parameters, and its prepared notebook."""
    path = Path(spec.notebook).resolve()
    source = read_version(spec.notebook_version) if spec.notebook_version else read_notebook(path)
    pipeline = parse_pipeline(source, name=str(path))
    parameters = validate_parameters(pipeline, spec.parameters)
    spec = spec.model_copy(update={"notebook": str(path), "parameters": parameters})
    return spec, prepare_notebook(source, pipeline, spec.steps, run_timeout=spec.timeout, only=spec.only)


def check_run_spec(spec: RunSpec, *, reach: bool = True) -> None:
    """What a spec asks of this machine beyond the notebook: its backend, kernel and secrets; with
    `reach`, whether the backend can take the run (e.g. a Dask cluster answers and has the resources)."""
    backend = get_backend(spec.backend)
    check_kernel(spec.kernel_name, spec.backend)
    check_secrets(spec.secrets)
    if reach:
        backend.check(spec)


def queue_run(spec: RunSpec, *, schedule_id: str | None = None) -> Run:
    """Validate a spec and record it as a queued run with its prepared notebook.

    Everything that can be wrong with the request (notebook, steps, parameters, backend — e.g.
    an unreachable cluster —, kernel, secrets) is refused here, before any record is written or
    any kernel starts.
    """
    spec, prepared = _checked(spec, reach=True)
    return _record_queued([spec], nbformat.writes(prepared), schedule_id=schedule_id)[0]


def queue_batch_runs(spec: RunSpec, points: list[dict[str, Any]], *, batch_id: str) -> list[Run]:
    """A batch's runs: `spec` once per parameter set of `points` (checked already, as
    `batch.grid.check_points` does), recorded together.

    The notebook is read, checked and prepared once, as its runs differ only in parameters; the
    batch has reached its backend once already, for all of them.
    """
    spec, prepared = _checked(spec, reach=False)
    specs = [spec.model_copy(update={"parameters": point}) for point in points]
    return _record_queued(specs, nbformat.writes(prepared), batch_id=batch_id)


def _checked(spec: RunSpec, *, reach: bool) -> tuple[RunSpec, NotebookNode]:
    """`_validated`, then what the run asks of this machine and its notification channels."""
    spec, prepared = _validated(spec)
    check_run_spec(spec, reach=reach)
    check_ready(spec.notify, f"run of {Path(spec.notebook).name}")
    return spec, prepared


def _record_queued(specs: list[RunSpec], prepared: str, *, schedule_id: str | None = None,
                   batch_id: str | None = None) -> list[Run]:
    # The notebook was written out before the records: one that cannot be written records nothing.
    runs = run_store.create_runs(specs, schedule_id=schedule_id, batch_id=batch_id)
    for run in runs:
        (Path(run.run_dir) / INPUT_NOTEBOOK).write_text(prepared, encoding="utf-8")
    return runs


def run_notebook(spec: RunSpec, *, on_progress: ProgressCallback | None = None) -> Run:
    """Run now, in this process, and return the finished record."""
    run = queue_run(spec)
    if on_progress:
        on_progress(run)
    if spec.notify is not None:
        from ..notify.events import execute_notified

        return execute_notified(run, lambda: execute_run(run.id, on_progress=on_progress))
    return execute_run(run.id, on_progress=on_progress)


def start_run(spec: RunSpec, *, schedule_id: str | None = None) -> Run:
    """Queue a run and execute it in a worker process of its own; returns at once."""
    run = queue_run(spec, schedule_id=schedule_id)
    launch_worker(run.id)
    return run


def start_launcher() -> None:
    """Keep warm kernels and a pre-imported worker launcher for this process's runs (the Jupyter
    server and the `scheduler` daemon call this at start; `stop_launcher` at stop)."""
    global _launcher
    configured = settings()
    if not configured.warm_runs:
        return
    with _launcher_lock:
        if _launcher is None or not _launcher.alive:
            preload = [name.strip() for name in configured.warm_preload.split(",") if name.strip()]
            _launcher = Launcher(size=configured.warm_kernels, idle_timeout=configured.warm_idle_timeout,
                                 preload=preload, warm=[DEFAULT_KERNEL] if configured.warm_kernels else [])
            os.environ[LAUNCHER_SOCKET] = _launcher.socket_path


def stop_launcher() -> None:
    """Idle warm kernels are killed at once; runs in progress carry on in their workers."""
    global _launcher
    with _launcher_lock:
        launcher, _launcher = _launcher, None
    if launcher is not None:
        if os.environ.get(LAUNCHER_SOCKET) == launcher.socket_path:
            del os.environ[LAUNCHER_SOCKET]
        launcher.close()


def _kernel_name(run: Run) -> str | None:
    """The kernelspec a local run's kernel is started from (as papermill picks it), else None."""
    if run.backend != "local":
        return None
    if run.spec.kernel_name:
        return run.spec.kernel_name
    with open(Path(run.run_dir) / INPUT_NOTEBOOK, encoding="utf-8") as notebook:
        return json.load(notebook).get("metadata", {}).get("kernelspec", {}).get("name")


def _warm_launch(run: Run) -> WorkerProcess | None:
    """The run's worker forked by this process's launcher, or None to start it the cold way."""
    try:
        launcher, elsewhere = _launcher, os.environ.get(LAUNCHER_SOCKET)
        if (launcher is None and not elsewhere) or not settings().warm_runs:
            return None
        request = (run.id, str(Path(run.run_dir) / "worker.log"), _kernel_name(run), str(working_dir(run)))
        if launcher is None:
            return launch_through(elsewhere, *request)
        if not launcher.alive:  # it died: a new one for the next runs, this one starts cold
            log.warning("the run launcher exited; starting a new one")
            start_launcher()
            return None
        return launcher.launch(*request)
    except (LauncherError, MLOpsError, OSError, ValueError) as error:  # e.g. a setting out of range
        log.warning("run %s starts the cold way: %s", run.id, error)
        return None


def launch_worker(run_id: str) -> subprocess.Popen | WorkerProcess:
    """Execute the queued run in a worker process of its own: forked by the launcher with a warm
    kernel when this process keeps one (`start_launcher`), else a new interpreter."""
    run = run_store.get_run(run_id)
    process = _warm_launch(run)
    if process is None:
        log_file = open(Path(run.run_dir) / "worker.log", "ab")
        process = subprocess.Popen([sys.executable, "-m", "jupyter_mlops.run.worker", run_id],
                                   stdin=subprocess.DEVNULL, stdout=log_file, stderr=subprocess.STDOUT,
                                   start_new_session=True)
        log_file.close()
    run_store.set_worker_pid(run_id, process.pid)
    return process


def get_run(run_id: str) -> Run:
    return run_store.get_run(run_id)


def list_runs(*, notebook: str | None = None, status: str | None = None, schedule_id: str | None = None,
              batch_id: str | None = None, trigger: str | None = None, search: str | None = None,
              limit: int = 50, offset: int = 0) -> tuple[list[Run], int]:
    """A page of runs, newest first, and how many match in all (see store.runs.list_runs)."""
    if notebook is not None:
        notebook = str(Path(notebook).resolve())
    return run_store.list_runs(notebook=notebook, status=status, schedule_id=schedule_id,
                               batch_id=batch_id, trigger=trigger, search=search, limit=limit, offset=offset)


def cancel_run(run_id: str) -> Run:
    """Stop a queued or running run; its worker records it cancelled and releases its kernel.

    A queued run is marked cancelled here, in the same transaction that checks it is still
    queued, so a worker that is only starting up finds it cancelled and does nothing.
    """
    run = run_store.get_run(run_id)
    if run.status.finished:
        raise RunStateError(f"run {run_id} has already finished ({run.status.value}); nothing to cancel")

    run = run_store.record_cancelled(run_id, "cancelled before it started", replacing={RunStatus.queued})
    pid, started = run_store.worker(run_id)
    if pid is not None and not workers.terminate(pid, started) and not run.status.finished:
        return run_store.record_cancelled(run_id, "cancelled; its worker had already exited")
    return run


def read_log(run_id: str, offset: int = 0) -> tuple[str, int]:
    """The run's log from byte `offset`, and the offset to ask for next (for live tails)."""
    path = Path(run_store.get_run(run_id).log_path)
    if not path.exists():
        return "", offset
    with open(path, "rb") as log:
        # An offset past the end has nothing to read yet (and beyond what lseek takes, EINVAL).
        if offset >= os.fstat(log.fileno()).st_size:
            return "", offset
        log.seek(offset)
        chunk = log.read()
    return chunk.decode("utf-8", errors="replace"), offset + len(chunk)


def prepare_only(spec: RunSpec) -> None:
    """papermill's --prepare-only: write the parametrized notebook, execute nothing, record nothing."""
    import papermill

    spec, prepared = _validated(spec)
    papermill.execute_notebook(prepared, spec.output_path, parameters=spec.parameters, prepare_only=True,
                               kernel_name=spec.kernel_name, progress_bar=False)


def run_report(run_id: str, *, no_input: bool = False) -> str:
    """The run's output notebook as one HTML page (nbconvert); the copy kept by `--report html` if there is one."""
    from ..report import REPORT_FILE, render_report

    run = run_store.get_run(run_id)
    kept = Path(run.run_dir) / REPORT_FILE
    if not no_input and run.status.finished and kept.is_file():
        return kept.read_text(encoding="utf-8")
    return render_report(run.output_notebook, no_input=no_input, title=f"{run.id} ({run.status.value})")
