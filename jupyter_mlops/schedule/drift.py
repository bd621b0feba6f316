"""How a notebook file differs from the version a schedule pinned, by nbdime (the notebook-diff
library): cells added, removed and changed, and parameters added or removed.

Only what a run executes or shows is compared, each cell's type and source: outputs, execution
counts, ids and metadata change on every save and do not change what a run does.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path

import nbdime
from nbdime.prettyprint import PrettyPrintConfig, pretty_print_diff
from nbformat import NotebookNode
from pydantic import BaseModel, Field

from ..errors import MLOpsError
from ..pipeline import parse_pipeline, read_notebook
from ..store.versions import file_sha256


class Drift(BaseModel):
    """The notebook file on disk against the pinned version."""

    differs: bool = Field(description="The file's content is not the pinned version's")
    cells_added: int = 0
    cells_removed: int = 0
    cells_changed: int = 0
    parameters_added: list[str] = Field(default_factory=list)
    parameters_removed: list[str] = Field(default_factory=list)
    error: str | None = Field(default=None, description="Why the file cannot be compared or pinned (gone, broken)")
    summary: str = Field(description="In words, e.g. '2 cells changed, 1 added; parameter beta added'")


def _sources(notebook: NotebookNode) -> dict:
    """The notebook as nbdime expects it, every cell emptied of all but its type and source."""
    cells = [{"cell_type": cell.cell_type, "source": cell.source, "metadata": {},
              **({"outputs": [], "execution_count": None} if cell.cell_type == "code" else {})}
             for cell in notebook.cells]
    return {"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}


def _parameters(notebook: NotebookNode) -> list[str] | None:
    try:
        return [parameter.name for parameter in parse_pipeline(notebook).parameters]
    except MLOpsError:
        return None


def _summary(drift: Drift) -> str:
    if not drift.differs:
        return "the file is the pinned version"
    if drift.error:
        return drift.error
    cells = [f"{count} {what}" for count, what in ((drift.cells_changed, "changed"), (drift.cells_added, "added"),
                                                   (drift.cells_removed, "removed")) if count]
    parts = [f"cells: {', '.join(cells)}"] if cells else []
    parts += [f"parameter {name} added" for name in drift.parameters_added]
    parts += [f"parameter {name} removed" for name in drift.parameters_removed]
    return "; ".join(parts) or "outputs or metadata only (the code is the pinned version's)"


def compare(pinned: NotebookNode, current: NotebookNode) -> Drift:
    counts = {"cells_added": 0, "cells_removed": 0, "cells_changed": 0}
    for entry in nbdime.diff_notebooks(_sources(pinned), _sources(current)):
        for op in entry.get("diff", []) if entry["key"] == "cells" else []:
            if op["op"] == "addrange":
                counts["cells_added"] += len(op["valuelist"])
            elif op["op"] == "removerange":
                counts["cells_removed"] += op["length"]
            else:
                counts["cells_changed"] += 1
    before, after = _parameters(pinned) or [], _parameters(current)
    drift = Drift(differs=True, **counts, summary="",
                  parameters_added=[p for p in after or [] if p not in before],
                  parameters_removed=[p for p in before if after is not None and p not in after])
    drift.summary = _summary(drift)
    return drift


def file_drift(pinned_sha: str, pinned: Callable[[], NotebookNode], path: str | Path) -> Drift:
    """The file at `path` against the pinned version; both are read only when the file's bytes differ."""
    try:
        if file_sha256(path) == pinned_sha:
            return Drift(differs=False, summary=_summary(Drift(differs=False, summary="")))
        current = read_notebook(path)
    except (OSError, MLOpsError) as error:
        reason = f"the notebook file cannot be read: {error}"
        return Drift(differs=True, error=reason, summary=reason)
    return compare(pinned(), current)


def diff_text(pinned: NotebookNode, current: NotebookNode) -> str:
    """nbdime's own rendering of the difference, without colour (the panel and `schedule show --diff`)."""
    out = io.StringIO()
    pretty_print_diff(_sources(pinned), nbdime.diff_notebooks(_sources(pinned), _sources(current)), "",
                      PrettyPrintConfig(out=out, use_color=False, use_git=False, use_diff=False))
    return out.getvalue()
