"""User-facing actions on lineage: compare two runs (records and output notebooks), and run one again
exactly as it ran."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import nbformat
from pydantic import BaseModel

from ..errors import LineageError
from ..lineage.diff import RunDiff, diff_records
from ..lineage.fingerprints import fingerprint
from ..lineage.model import Environment
from ..lineage.notebook_diff import CellChange, diff_cells
from ..lineage.source import code_cells
from ..lineage.store import environment_packages
from ..run.executor import INPUT_NOTEBOOK, ProgressCallback, execute_run
from ..run.model import Run
from ..store import runs as run_store
from .runs import check_run_spec, launch_worker


class Rerun(BaseModel):
    run: Run
    warnings: list[str]


def _snapshot(run: Run) -> Path:
    path = Path(run.run_dir) / INPUT_NOTEBOOK
    if not path.is_file():
        raise LineageError(f"run {run.id} has no notebook snapshot ({path} is missing); it cannot be compared or rerun")
    return path


def _packages(environment: Environment | None) -> dict[str, str] | None:
    return environment_packages(environment.id) if environment and environment.kind == "local" else None


def diff_runs(a: str, b: str) -> RunDiff:
    """What changed from run `a` to run `b`: code cells, parameters, inputs, outputs, environment, metrics."""
    run_a, run_b = run_store.get_run(a), run_store.get_run(b)
    cells = tuple(code_cells(nbformat.read(_snapshot(run), as_version=4)) for run in (run_a, run_b))
    packages = tuple(_packages(run.lineage.environment if run.lineage else None) for run in (run_a, run_b))
    return diff_records(run_a, run_b, cells=cells, packages=packages)


def input_drift(run: Run) -> list[str]:
    """One warning per declared input whose content is no longer what the run recorded."""
    warnings = []
    for declared, recorded in (run.lineage.inputs if run.lineage else {}).items():
        now = fingerprint(recorded.path)
        if not now.same_content(recorded):
            state = "is missing now" if now.sha256 is None else (
                "did not exist then" if recorded.sha256 is None else
                f"changed (sha256 {recorded.sha256[:12]} then, {now.sha256[:12]} now)")
            warnings.append(f"input {declared} ({recorded.path}) {state} since run {run.id}")
    return warnings


def queue_rerun(run_id: str) -> Rerun:
    """Record a new run of exactly the recorded notebook snapshot, parameters and image.

    Nothing is re-read from the source notebook: the run executes the snapshot even if the
    notebook has changed or gone. Inputs are data, not snapshots: a changed one is a warning.
    """
    old = run_store.get_run(run_id)
    snapshot = _snapshot(old)
    image = old.backend_info.get("image_id") or old.spec.image  # the id, not a tag that may have moved
    # The extra output copy is dropped: a rerun must not overwrite what the original run left there.
    spec = old.spec.model_copy(update={"trigger": "rerun", "image": image, "output_path": None})
    check_run_spec(spec)  # its kernel and secrets are still there, before anything is recorded
    run = run_store.create_run(spec)
    shutil.copyfile(snapshot, Path(run.run_dir) / INPUT_NOTEBOOK)
    return Rerun(run=run, warnings=input_drift(old))


def rerun(run_id: str, *, on_progress: ProgressCallback | None = None,
          on_warning: Callable[[str], None] | None = None) -> Rerun:
    """Rerun now, in this process; returns the finished record and the input warnings, which
    also go to `on_warning` before the run starts."""
    queued = queue_rerun(run_id)
    for warning in queued.warnings if on_warning else ():
        on_warning(warning)
    return Rerun(run=execute_run(queued.run.id, on_progress=on_progress), warnings=queued.warnings)


def start_rerun(run_id: str) -> Rerun:
    """Queue a rerun and execute it in a worker process of its own; returns at once."""
    queued = queue_rerun(run_id)
    launch_worker(queued.run.id)
    return queued


class RunComparison(BaseModel):
    """Two runs compared: their lineage (parameters, code, data, environment, metrics) and their
    output notebooks cell by cell. A side that cannot be compared says why instead."""

    a: str
    b: str
    lineage: RunDiff | None
    lineage_problem: str | None = None
    cells: list[CellChange] | None
    cells_problem: str | None = None


def _output(run: Run) -> nbformat.NotebookNode:
    path = Path(run.output_notebook)
    if not path.is_file():
        raise LineageError(f"run {run.id} has no output notebook ({run.status.value})")
    return nbformat.read(path, as_version=4)


def compare_runs(a: str, b: str) -> RunComparison:
    """Run `a` against run `b`: what `diff_runs` tells, and their output notebooks diffed with nbdime."""
    run_a, run_b = run_store.get_run(a), run_store.get_run(b)  # an unknown id is an error, not a problem
    try:
        lineage, lineage_problem = diff_runs(a, b), None
    except LineageError as error:
        lineage, lineage_problem = None, str(error)
    try:
        cells, cells_problem = diff_cells(_output(run_a), _output(run_b)), None
    except LineageError as error:
        cells, cells_problem = None, str(error)
    return RunComparison(a=a, b=b, lineage=lineage, lineage_problem=lineage_problem, cells=cells,
                         cells_problem=cells_problem)
