"""Filling a run's lineage: code, git and environment plus input files as it starts; output
files (and a container's image) as it ends."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from nbformat import NotebookNode

from ..pipeline.parameters import infer_parameters
from ..run.plan import PLAN_KEY
from .environment import image_environment, local_environment
from .fingerprints import fingerprint_declared
from .model import GitState, Lineage
from .source import git_state, notebook_hash

if TYPE_CHECKING:
    from ..run.model import Run


def _declared(notebook: NotebookNode, role: str) -> list[str]:
    """Every path the planned steps declare as `--inputs` or `--outputs`, first mention first."""
    paths: dict[str, None] = {}
    for step in notebook.metadata.get(PLAN_KEY, {}).get("steps", []):
        paths.update(dict.fromkeys(step.get(role, [])))
    return list(paths)


def resolved_parameters(notebook: NotebookNode, given: dict[str, Any]) -> dict[str, Any]:
    """What the kernel ran with: the defaults of the cell tagged `parameters`, then the run's values."""
    for index, cell in enumerate(notebook.cells):
        if cell.cell_type == "code" and "parameters" in cell.metadata.get("tags", []):
            return {**{p.name: p.default for p in infer_parameters(cell.source, index)}, **given}
    return dict(given)


def working_dir(run: Run) -> Path:
    """Where the kernel resolves relative paths: the run's cwd, else the notebook's folder."""
    return Path(run.spec.cwd) if run.spec.cwd else Path(run.notebook).parent


def _git(run: Run) -> GitState | None:
    """A pinned version's commit as it was when pinned; else the notebook folder's now."""
    if run.spec.notebook_version:
        from ..store.versions import get_version  # the store imports lineage: looked up when used

        version = get_version(run.spec.notebook_version)
        return GitState(commit=version.git_commit, dirty=bool(version.git_dirty)) if version.git_commit else None
    return git_state(Path(run.notebook).parent)


def start_lineage(run: Run, notebook: NotebookNode) -> Lineage:
    """Lineage known before the kernel starts; `notebook` is the run's prepared input notebook."""
    return Lineage(
        notebook_sha256=notebook_hash(notebook),
        git=_git(run),
        parameters=resolved_parameters(notebook, run.parameters),
        # A container run's environment is its image, known once the backend has resolved it.
        environment=local_environment() if run.backend == "local" else None,
        inputs=fingerprint_declared(_declared(notebook, "inputs"), working_dir(run)))


def finish_lineage(run: Run, backend_info: dict, notebook: NotebookNode) -> Lineage | None:
    """The run's lineage completed with the declared outputs as the run left them and, for a
    container run, the image it ran on; None for a run that never started."""
    if run.lineage is None:
        return None
    info = {**run.backend_info, **backend_info}
    # A cluster run's outputs were written on a worker and brought back into the run folder.
    outputs_dir = Path(info["outputs_dir"]) if "outputs_dir" in info else working_dir(run)
    return run.lineage.model_copy(update={
        "outputs": fingerprint_declared(_declared(notebook, "outputs"), outputs_dir),
        "environment": run.lineage.environment or image_environment(info)})
