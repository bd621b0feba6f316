"""A notebook (path or nbformat node) → a validated `Pipeline`."""

from __future__ import annotations

import graphlib
import json
import os
import re
import warnings
from pathlib import Path
from typing import Any

import nbformat
from nbformat import NotebookNode
from nbformat.v4.nbbase import random_cell_id

from ..errors import (
    CycleError,
    DeclarationConflictError,
    DuplicateStepError,
    ForwardDependencyError,
    NotebookError,
    StepOptionError,
    UnknownDependencyError,
)
from .declarations import Declaration, OptionError, magic_declaration, magic_line, parse_option_line, tags_to_line
from .model import Pipeline, Step
from .parameters import infer_parameters

PARAMETER_TAGS = ("parameters", "injected-parameters")
_CELL_ID = re.compile(r"^[a-zA-Z0-9-_]{1,64}$")  # nbformat 4.5's schema


def read_notebook(path: str | os.PathLike) -> NotebookNode:
    """Read an .ipynb with errors that say what is wrong with which file."""
    path = Path(path)
    if not path.is_file():
        raise NotebookError(f"notebook not found: {path}")
    try:
        text = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as exc:
        raise NotebookError(f"{path} is not UTF-8 text (byte {exc.start})") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise NotebookError(f"{path} is not valid JSON: {exc.msg} at line {exc.lineno}") from None
    except RecursionError:
        raise NotebookError(f"{path} is not a Jupyter notebook: its JSON is nested too deeply") from None
    return notebook_from_json(data, str(path))


def notebook_from_json(data: Any, name: str) -> NotebookNode:
    """Notebook JSON of any nbformat version → a version 4 notebook, as papermill reads it.

    Older versions are converted (`nbformat.read(..., as_version=4)`); what papermill would
    fill in (cell metadata, outputs, ids) is filled in quietly; what no run can do without (a
    cell's type or source) is a NotebookError naming the cell.
    """
    if not isinstance(data, dict):
        raise NotebookError(f"{name} is not a Jupyter notebook: its JSON is {type(data).__name__}, not an object")
    major = _major(data, name)
    if major == 4:
        _check_shape(data, name)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # nbformat's warnings about ids and validity: we check below
            notebook = nbformat.convert(nbformat.versions[major].to_notebook_json(data), 4)
    except Exception as exc:  # nbformat raises several unrelated types for non-notebooks
        raise NotebookError(f"{name} is not a Jupyter notebook: {type(exc).__name__}: {exc}") from None
    return _normalized(nbformat.from_dict(notebook), name)


def _check_shape(data: dict, name: str) -> None:
    """What nbformat's version 4 reader needs, named when missing; metadata filled in, as papermill would."""
    if not isinstance(data.get("cells"), list):
        raise NotebookError(f"{name} is not a Jupyter notebook: "
                            + ("it has no 'cells'" if "cells" not in data else "its 'cells' is not a list"))
    if not isinstance(data.setdefault("metadata", {}), dict):
        raise NotebookError(f"{name}: the notebook's 'metadata' is not a mapping")
    for index, cell in enumerate(data["cells"]):
        if not isinstance(cell, dict):
            raise NotebookError(f"{name}: cell {index} is {type(cell).__name__}, not a cell")
        if not isinstance(cell.setdefault("metadata", {}), dict):
            raise NotebookError(f"{name}: cell {index}: its 'metadata' is not a mapping")
        if cell.get("cell_type") == "code" and not isinstance(cell.get("outputs", []), list):
            raise NotebookError(f"{name}: cell {index} (code): its 'outputs' is not a list")


def _major(data: dict, name: str) -> int:
    major = data.get("nbformat", 1)  # as nbformat reads it: version 1 notebooks did not say
    if major not in nbformat.versions:
        known = ", ".join(str(v) for v in sorted(nbformat.versions))
        raise NotebookError(f"{name} is not a notebook nbformat reads: its 'nbformat' is {major!r} "
                            f"(versions {known})")
    return major


def _normalized(notebook: NotebookNode, name: str) -> NotebookNode:
    """A version 4 notebook (its shape checked, or converted) with every cell as the parser and the
    engine read it."""
    cells = notebook.cells
    minor = notebook.get("nbformat_minor")
    notebook.nbformat_minor = minor if isinstance(minor, int) and minor >= 0 else 0
    for index, cell in enumerate(cells):
        where = f"{name}: cell {index}"
        kind = cell.get("cell_type")
        if not isinstance(kind, str):  # another type ("heading" of old notebooks) is carried along unrun
            raise NotebookError(f"{where} has cell_type {kind!r}, not code, markdown or raw")
        if "source" not in cell:
            raise NotebookError(f"{where} ({kind}) has no 'source'")
        if isinstance(cell.source, list) and all(isinstance(line, str) for line in cell.source):
            cell.source = "".join(cell.source)
        if not isinstance(cell.source, str):
            raise NotebookError(f"{where} ({kind}): its 'source' is {type(cell.source).__name__}, not text")
        metadata = cell.metadata
        if "tags" in metadata:  # papermill tests `"parameters" in tags`: a string or a mapping passes too
            tags = metadata["tags"]
            tags = [tags] if isinstance(tags, str) else list(tags) if isinstance(tags, (list, dict)) else []
            metadata["tags"] = [tag for tag in tags if isinstance(tag, str)]
        if kind == "code":
            cell.setdefault("outputs", [])
            cell.setdefault("execution_count", None)
    # nbformat 4.5 cells carry unique ids (written notebooks are validated): add the missing ones and
    # replace duplicates, as nbformat's own normalize() and validate() do, without their warnings.
    if notebook.nbformat_minor >= 5:
        seen: set[str] = set()
        for cell in cells:
            if not isinstance(cell.get("id"), str) or not _CELL_ID.match(cell.id) or cell.id in seen:
                cell.id = random_cell_id()
            seen.add(cell.id)
    return notebook


def first_line(cell: NotebookNode) -> str:
    return cell.source.strip().split("\n", 1)[0][:80]


def _tags(cell: NotebookNode) -> list[str]:
    return list(cell.get("metadata", {}).get("tags", []))


def cell_declaration(cell: NotebookNode, index: int) -> Declaration | None:
    """The step declared on a code cell by its magic line, its tags, or both (which must agree)."""
    if cell.cell_type != "code":
        return None

    def parse(declared: tuple[str, str], form: str) -> Declaration:
        kind, line = declared
        try:
            return parse_option_line(line, kind)
        except OptionError as exc:
            raise StepOptionError(f"bad {form}: {exc}", cell_index=index, cell_line=first_line(cell),
                                  step=line.split(" ", 1)[0] or None) from None

    magic = magic_declaration(cell.source)
    try:
        tagged = tags_to_line(_tags(cell))
    except OptionError as exc:
        raise StepOptionError(f"bad step tags: {exc}", cell_index=index, cell_line=first_line(cell)) from None
    from_magic = parse(magic, f"%%ml{magic[0]} line") if magic is not None else None
    from_tags = parse(tagged, "step tags") if tagged is not None else None
    if from_magic and from_tags and from_tags != from_magic:
        raise DeclarationConflictError(
            f"the %%mlstep line declares step {from_magic.name!r} (after {from_magic.after}, "
            f"options {from_magic.options}) but the cell tags declare {from_tags.name!r} "
            f"(after {from_tags.after}, options {from_tags.options}); make them agree or drop one",
            cell_index=index, cell_line=first_line(cell), step=from_magic.name)
    return from_magic or from_tags


def parse_pipeline(notebook: NotebookNode | dict | str | os.PathLike, *, name: str | None = None) -> Pipeline:
    """Parse and validate the pipeline a notebook declares."""
    if isinstance(notebook, (str, os.PathLike)):
        name = name or str(notebook)
        notebook = read_notebook(notebook)
    else:  # a notebook node or JSON content (unsaved, from the API): checked as a file is
        notebook = notebook_from_json(notebook, name or "the notebook")
    cells = notebook.cells

    parameters_cell = next((i for i, c in enumerate(cells)
                            if c.cell_type == "code" and "parameters" in _tags(c)), None)
    parameters = infer_parameters(cells[parameters_cell].source, parameters_cell) if parameters_cell is not None else []

    steps: list[Step] = []
    declared_at: dict[str, int] = {}
    prelude: list[int] = []
    for index, cell in enumerate(cells):
        declaration = cell_declaration(cell, index)
        if declaration is not None:
            if declaration.name in declared_at:
                raise DuplicateStepError(
                    f"step {declaration.name!r} is declared twice (first at cell {declared_at[declaration.name]})",
                    cell_index=index, cell_line=first_line(cell), step=declaration.name)
            declared_at[declaration.name] = index
            after = declaration.after if declaration.after is not None else ([steps[-1].name] if steps else [])
            declared_by = "magic" if magic_line(cell.source) is not None else "tags"
            steps.append(Step(name=declaration.name, cell_indices=[index], after=after, kind=declaration.kind,
                              declared_by=declared_by, **declaration.options))
        elif index == parameters_cell or set(PARAMETER_TAGS) & set(_tags(cell)) or not steps:
            prelude.append(index)
        else:
            steps[-1].cell_indices.append(index)

    implicit = not steps
    if implicit:
        # papermill compatibility: a notebook without steps runs whole, as one step. With no code
        # cell but the parameters cell, or none at all, papermill still runs it (a kernel starts,
        # parameters are injected): the step then has nothing to execute and succeeds.
        body = [i for i in range(len(cells)) if i != parameters_cell]
        prelude = [parameters_cell] if parameters_cell is not None else []
        steps = [Step(name="notebook", cell_indices=body, declared_by="implicit")]
    else:
        _check_dependencies(steps, cells)
    return Pipeline(notebook=name, steps=steps, prelude=prelude, parameters=parameters,
                    parameters_cell=parameters_cell, implicit=implicit)


def _check_dependencies(steps: list[Step], cells: list[NotebookNode]) -> None:
    position = {s.name: i for i, s in enumerate(steps)}
    for step in steps:
        where = dict(cell_index=step.first_cell, cell_line=first_line(cells[step.first_cell]), step=step.name)
        for dependency in step.after:
            if dependency == step.name:
                raise CycleError(f"step {step.name!r} depends on itself", **where)
            if dependency not in position:
                raise UnknownDependencyError(
                    f"step {step.name!r} runs after {dependency!r}, which no cell declares "
                    f"(steps: {', '.join(position)})", **where)
    sorter = graphlib.TopologicalSorter({s.name: s.after for s in steps})
    try:
        sorter.prepare()
    except graphlib.CycleError as exc:
        cycle = exc.args[1]
        first = next(s for s in steps if s.name == cycle[0])
        raise CycleError(f"steps form a cycle: {' -> '.join(cycle)}", cell_index=first.first_cell,
                         cell_line=first_line(cells[first.first_cell]), step=first.name) from None
    for step in steps:
        for dependency in step.after:
            if position[dependency] > position[step.name]:
                raise ForwardDependencyError(
                    f"step {step.name!r} runs after {dependency!r}, which comes later in the notebook; "
                    "move one of the cells so the notebook still runs top to bottom",
                    cell_index=step.first_cell, cell_line=first_line(cells[step.first_cell]), step=step.name)
