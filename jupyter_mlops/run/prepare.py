"""Source notebook → the notebook a backend executes: sliced to the chosen steps, annotated.

The prelude (cells before the first step and the parameters cell) always stays; a step is kept
when it was chosen or something chosen depends on it. Markdown cells travel with their step.
"""

from __future__ import annotations

import copy

from nbformat import NotebookNode

from ..errors import StepSelectionError
from ..pipeline.declarations import magic_line
from ..pipeline.model import Pipeline
from .plan import CELL_KEY, PLAN_KEY


def prepare_notebook(source: NotebookNode, pipeline: Pipeline, steps: list[str] | None = None,
                     run_timeout: float | None = None, only: list[str] | None = None) -> NotebookNode:
    """`steps` keeps the named steps and what they depend on; `only` keeps exactly the named steps."""
    if steps and only:
        raise StepSelectionError(f"choose steps with --steps ({', '.join(steps)}) or --only ({', '.join(only)}), "
                                 "not both")
    if only:
        wanted = {pipeline.step(name).name for name in only}
        chosen = [s for s in pipeline.steps if s.name in wanted]
    else:
        chosen = pipeline.closure(steps) if steps else pipeline.steps
    keep: dict[int, str | None] = {index: None for index in pipeline.prelude}
    for step in chosen:
        keep.update({index: step.name for index in step.cell_indices})

    prepared = copy.deepcopy(source)
    cells = []
    for index, cell in enumerate(prepared.cells):
        if index not in keep:
            continue
        if keep[index] is not None:
            cell.metadata[CELL_KEY] = {"step": keep[index],
                                       "magic_line": cell.cell_type == "code" and magic_line(cell.source) is not None}
        cells.append(cell)
    prepared.cells = cells
    prepared.metadata[PLAN_KEY] = {
        # A list keeps the steps' order (nbformat writes mappings with sorted keys).
        # image, cpus, memory and gpus are for container backends (and with pool, Dask resources); kind tells the engine a failed
        # assertion is a failed check; inputs and outputs are fingerprinted into the run's lineage.
        "steps": [{"name": s.name, "retries": s.retries, "timeout": s.timeout, "image": s.image, "cpus": s.cpus,
                   "memory": s.memory, "gpus": s.gpus, "pool": s.pool, "kind": s.kind, "inputs": s.inputs, "outputs": s.outputs}
                  for s in chosen],
        "run_timeout": run_timeout,
    }
    return prepared
