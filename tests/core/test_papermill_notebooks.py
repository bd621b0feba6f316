"""Notebooks papermill runs that are not ours (issue 14): a parameters cell that is the whole
notebook or more than literal assignments, nbformat 3, schema-invalid cells, and quiet runs."""

from __future__ import annotations

import json
import subprocess
import sys
import warnings

import nbformat
import papermill
import pytest
from nbformat.v3 import new_code_cell as v3_code_cell
from nbformat.v3 import new_notebook as v3_notebook
from nbformat.v3 import new_worksheet

from jupyter_mlops.errors import NotebookError, ParameterError
from jupyter_mlops.pipeline import parse_pipeline, read_notebook
from jupyter_mlops.pipeline.parameters import validate_parameters
from jupyter_mlops.run.model import RunSpec, RunStatus, StepStatus
from jupyter_mlops.service.runs import run_notebook
from tests.conftest import KERNELSPEC, build_notebook

REAL_PARAMETERS = (
    "import os\n"
    "from pathlib import Path\n"
    "x = 2\n"
    "path = os.getcwd()\n"
    "name = f'run{x}'\n"
    "a, b = 1, 2\n"
    "c, d = divmod(7, 2)\n"
    "data_dir = Path('data')\n"
    "n: int = int('3')\n"
    "flags = {1, 2}\n"
)


def test_a_parameters_cell_that_is_more_than_literals_gives_typed_and_any_parameters():
    pipeline = parse_pipeline(build_notebook([(REAL_PARAMETERS, ["parameters"]), "print(path)"]))
    found = {p.name: (p.type, p.default, p.source) for p in pipeline.parameters}
    assert found == {
        "x": ("int", 2, None),
        "path": ("any", None, "os.getcwd()"),
        "name": ("any", None, "f'run{x}'"),
        "a": ("int", 1, None), "b": ("int", 2, None),
        "c": ("any", None, "(divmod(7, 2))[0]"), "d": ("any", None, "(divmod(7, 2))[1]"),
        "data_dir": ("any", None, "Path('data')"),
        "n": ("int", None, "int('3')"),  # the annotation is the type, the call its default
        "flags": ("any", None, "{1, 2}"),  # a set is no JSON value: unknown type, shown as source
    }
    # literal names stay checked, "any" takes anything, unknown names are still refused
    with pytest.raises(ParameterError, match="'x' expects int"):
        validate_parameters(pipeline, {"x": "two"})
    assert validate_parameters(pipeline, {"path": "/data", "data_dir": ["a"], "x": 3}) == {
        "path": "/data", "data_dir": ["a"], "x": 3}
    with pytest.raises(ParameterError, match="unknown parameter 'nope'"):
        validate_parameters(pipeline, {"nope": 1})


def test_the_last_assignment_of_a_name_is_its_default():
    pipeline = parse_pipeline(build_notebook([("x = 1\nx = x + 1\ny = 'a'\ny = 'b'", ["parameters"]), "x"]))
    assert [(p.name, p.type, p.default, p.source) for p in pipeline.parameters] == [
        ("x", "any", None, "x + 1"), ("y", "str", "b", None)]


def test_a_notebook_that_is_only_its_parameters_cell_has_an_empty_implicit_step():
    pipeline = parse_pipeline(build_notebook([("md", "# title"), ("x = 1", ["parameters"])]))
    assert pipeline.implicit and pipeline.prelude == [1]
    assert [(s.name, s.cell_indices) for s in pipeline.steps] == [("notebook", [0])]  # the markdown cell
    pipeline = parse_pipeline(build_notebook([("x = 1", ["parameters"])]))
    assert [(s.name, s.cell_indices, s.first_cell) for s in pipeline.steps] == [("notebook", [], None)]


def _v3_file(tmp_path):
    notebook = v3_notebook(worksheets=[new_worksheet(cells=[v3_code_cell(input="print('hello from v3')")])])
    notebook.metadata["kernelspec"] = KERNELSPEC
    path = tmp_path / "v3.ipynb"
    nbformat.write(notebook, path, version=3)
    return path


def test_nbformat_3_reads_as_papermill_reads_it(tmp_path):
    path = _v3_file(tmp_path)
    pipeline = parse_pipeline(path)
    assert [(s.name, s.cell_indices) for s in pipeline.steps] == [("notebook", [0])]


def test_a_code_cell_without_source_is_a_notebook_error_naming_the_cell(tmp_path):
    notebook = json.loads(nbformat.writes(build_notebook(["x = 1", "y = 2"])))
    del notebook["cells"][1]["source"]
    path = tmp_path / "nosource.ipynb"
    path.write_text(json.dumps(notebook))
    with pytest.raises(NotebookError, match=r"nosource.ipynb: cell 1 \(code\) has no 'source'"):
        parse_pipeline(path)


def test_missing_ids_and_metadata_are_filled_in_quietly(tmp_path):
    notebook = json.loads(nbformat.writes(build_notebook([("x = 1", ["parameters"]), "x"])))
    for cell in notebook["cells"]:
        del cell["id"], cell["metadata"]
    notebook["cells"][1].pop("outputs")
    path = tmp_path / "noid.ipynb"
    path.write_text(json.dumps(notebook))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # nbformat's MissingIDFieldWarning would be one
        notebook = read_notebook(path)
        nbformat.writes(notebook)  # writing validates: the ids were added
    assert all(cell.id and cell.metadata == {} for cell in notebook.cells)
    assert notebook.cells[1].outputs == []


def test_odd_notebooks_run_like_papermill(tmp_path):
    """One kernel each: only a parameters cell, real-world parameters, nbformat 3."""
    only = tmp_path / "only.ipynb"
    nbformat.write(build_notebook([("x = 1\nprint('x is', x)", ["parameters"])]), only)
    run = run_notebook(RunSpec(notebook=str(only), parameters={"x": 5}))
    assert run.status == RunStatus.succeeded, run.error
    assert [(s.name, s.status, s.attempts) for s in run.steps] == [("notebook", StepStatus.succeeded, 1)]
    output = nbformat.read(run.output_notebook, as_version=4)
    assert [c.source for c in output.cells][1] == "# Parameters\nx = 5\n"  # injected, as papermill does

    real = tmp_path / "real.ipynb"
    nbformat.write(build_notebook([(REAL_PARAMETERS, ["parameters"]), "print(path, name, a, data_dir, n)"]), real)
    run = run_notebook(RunSpec(notebook=str(real), parameters={"x": 7, "path": "/elsewhere"}))
    assert run.status == RunStatus.succeeded, run.error
    output = nbformat.read(run.output_notebook, as_version=4)
    # `name` was computed in the cell, before the injected x = 7, as papermill does it
    assert output.cells[-1].outputs[0].text == "/elsewhere run2 1 data 3\n"

    run = run_notebook(RunSpec(notebook=str(_v3_file(tmp_path))))
    assert run.status == RunStatus.succeeded, run.error
    assert nbformat.read(run.output_notebook, as_version=4).cells[0].outputs[0].text == "hello from v3\n"
    # papermill agrees on all three
    for path in (only, real, _v3_file(tmp_path)):
        papermill.execute_notebook(str(path), str(tmp_path / "pm.ipynb"), progress_bar=False)


def test_a_local_run_prints_progress_and_output_only(tmp_path):
    notebook = json.loads(nbformat.writes(build_notebook([("x = 1", ["parameters"]), "y = 2", "print('hello', x)"])))
    del notebook["cells"][0]["id"]  # nbformat 4.5 without an id: nbformat would warn MissingIDFieldWarning
    notebook["cells"][2]["id"] = notebook["cells"][1]["id"]  # and DuplicateCellId
    path = tmp_path / "noisy.ipynb"
    path.write_text(json.dumps(notebook))
    result = subprocess.run([sys.executable, "-m", "jupyter_mlops.cli", "run", str(path), "--log-output"],
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    lines = [line for line in (result.stdout + result.stderr).splitlines() if line.strip()]
    noise = [line for line in lines if not (line.startswith(("run ", "  ", "/")) or line == "hello 1")]
    assert not noise, lines
    assert "hello 1" in lines
