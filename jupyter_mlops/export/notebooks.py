"""Notebooks for PapermillOperator tasks: plain papermill runs them, no jupyter-mlops needed.

Each is the source notebook sliced like `jupyter-mlops run --only` (the prelude and the task's
steps), with the `%%mlstep` lines blanked (they are declarations, and the workers' kernels may not
have the extension) and a first cell that moves the kernel into the run's folder, where the steps'
declared files are exchanged: PapermillOperator has no working-directory option.
"""

from __future__ import annotations

from nbformat import NotebookNode
from nbformat.v4 import new_code_cell

from ..pipeline.model import Pipeline
from ..pipeline.parameters import literal_assignments
from ..run.plan import CELL_KEY, code_to_execute
from ..run.prepare import prepare_notebook

WORKDIR_PARAMETER = "_mlops_workdir"
_WORKDIR_CODE = f"""\
# Added by jupyter-mlops export: work in this run's folder, where the steps exchange their files.
import os as _os

_os.chdir({WORKDIR_PARAMETER})"""


def task_notebook(source: NotebookNode, pipeline: Pipeline, only: list[str] | None) -> NotebookNode:
    """The notebook one task runs: `only` those steps after the prelude, or every step when None."""
    prepared = prepare_notebook(source, pipeline, only=only)
    for cell in prepared.cells:
        if cell.metadata.get(CELL_KEY, {}).get("magic_line"):
            cell.source = code_to_execute(cell)
            cell.metadata[CELL_KEY]["magic_line"] = False
    parameters = next((c for c in prepared.cells if "parameters" in c.metadata.get("tags", [])), None)
    at = 0
    if parameters is None:
        parameters = new_code_cell("", metadata={"tags": ["parameters"]})
    elif literal_assignments(parameters.source):
        # Literal assignments only: running them first changes nothing, and puts papermill's injected
        # values before the working-directory cell and every other cell.
        prepared.cells.remove(parameters)
    else:
        # A cell that computes (`path = os.getcwd()`) may need the cells above it: it stays in place,
        # the working-directory cell right after the values papermill injects below it.
        at = prepared.cells.index(parameters)
        prepared.cells.remove(parameters)
    parameters.source = parameters.source.rstrip("\n") + f'\n{WORKDIR_PARAMETER} = "."  # the run folder, set by the task'
    parameters.source = parameters.source.lstrip("\n")
    prepared.cells[at:at] = [parameters, new_code_cell(_WORKDIR_CODE)]
    prepared.nbformat_minor = max(prepared.nbformat_minor, 5)
    _number_cells(prepared)
    return prepared


def _number_cells(notebook: NotebookNode) -> None:
    """Fresh cell ids (the moved and added cells would otherwise collide or lack one)."""
    for index, cell in enumerate(notebook.cells):
        cell["id"] = f"cell-{index}"
