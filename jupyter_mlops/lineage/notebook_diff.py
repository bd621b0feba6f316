"""Two executed notebooks compared cell by cell, with nbdime (the notebook-diff tool of the field).

nbdime aligns the cells (an inserted cell does not shift every later cell into a "change") and
says which cells changed; this module turns its diff into one row per aligned cell pair, the
shape a side-by-side view draws.
"""

from __future__ import annotations

import copy
import difflib
from typing import Literal

import nbdime
from nbformat import NotebookNode
from pydantic import BaseModel, Field

CellChangeKind = Literal["unchanged", "modified", "added", "removed"]


class CellChange(BaseModel):
    kind: CellChangeKind
    cell_type: str
    a_index: int | None = Field(description="The cell's index in the first notebook; null for an added cell")
    b_index: int | None = Field(description="The cell's index in the second notebook; null for a removed cell")
    a_source: str | None = None
    b_source: str | None = None
    source_diff: list[str] = Field(default_factory=list, description="Unified diff of a modified cell's source")
    changed: list[str] = Field(default_factory=list,
                               description="What differs in a modified cell: source, outputs, cell_type")


# Differ between any two runs of the same cell and say nothing about it: papermill's timings in the
# metadata, execution counts, and the random ids nbformat gives cells.
_NOISE = ("metadata", "execution_count", "id")


def _comparable(notebook: NotebookNode) -> NotebookNode:
    quiet = copy.deepcopy(notebook)
    quiet.metadata = {}
    for cell in quiet.cells:
        for key in _NOISE:
            cell.pop(key, None)
        for output in cell.get("outputs", []):
            output.pop("execution_count", None)
            output.pop("metadata", None)
    return quiet


def _source(cell: NotebookNode) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else source


def diff_cells(a: NotebookNode, b: NotebookNode) -> list[CellChange]:
    """Every cell of both notebooks, aligned, in order: unchanged, modified, added or removed."""
    a, b = _comparable(a), _comparable(b)
    cells_diff = next((entry["diff"] for entry in nbdime.diff_notebooks(a, b) if entry["key"] == "cells"), [])
    added: dict[int, list[NotebookNode]] = {}
    removed: set[int] = set()
    patched: dict[int, list[str]] = {}
    for entry in cells_diff:
        key = entry["key"]
        if entry["op"] == "addrange":
            added.setdefault(key, []).extend(entry["valuelist"])
        elif entry["op"] == "removerange":
            removed.update(range(key, key + entry["length"]))
        elif entry["op"] == "patch":
            patched[key] = sorted({inner["key"] for inner in entry["diff"]})
        else:  # a whole cell replaced: nbdime writes it as a remove and an add
            removed.add(key)
            added.setdefault(key, []).append(entry["value"])
    changes: list[CellChange] = []
    b_index = 0
    for a_index in range(len(a.cells) + 1):
        for cell in added.get(a_index, []):
            changes.append(CellChange(kind="added", cell_type=cell["cell_type"], a_index=None, b_index=b_index,
                                      b_source=_source(cell)))
            b_index += 1
        if a_index == len(a.cells):
            break
        cell = a.cells[a_index]
        if a_index in removed:
            changes.append(CellChange(kind="removed", cell_type=cell.cell_type, a_index=a_index, b_index=None,
                                      a_source=_source(cell)))
            continue
        other = b.cells[b_index]
        left, right = _source(cell), _source(other)
        changed = patched.get(a_index, [])
        changes.append(CellChange(
            kind="modified" if changed else "unchanged", cell_type=other.cell_type, a_index=a_index,
            b_index=b_index, a_source=left, b_source=right, changed=changed,
            source_diff=list(difflib.unified_diff(left.splitlines(), right.splitlines(), lineterm="", n=2))[2:]
            if "source" in changed else []))
        b_index += 1
    return changes
