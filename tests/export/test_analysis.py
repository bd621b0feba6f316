"""Names defined and used per step: what separate pods would miss."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest

from jupyter_mlops.errors import SharedMemoryError
from jupyter_mlops.export import check_step_isolation, shared_memory_uses
from jupyter_mlops.export.analysis import code_names
from jupyter_mlops.pipeline import parse_pipeline

from ..conftest import build_notebook

EXAMPLES = Path(__file__).resolve().parents[2] / "example_notebooks"


def found(cells: list) -> list[tuple[str, str, tuple[str, ...]]]:
    notebook = build_notebook(cells)
    return [(f.step, f.name, f.defined_in) for f in shared_memory_uses(notebook, parse_pipeline(notebook))]


def test_cell_names_follow_python_scopes_and_ipython_syntax() -> None:
    names = code_names("%%mlstep t --after s\nimport os\n%matplotlib inline\n!ls\n"
                       "rows = [r for r in table]\ndef score(x):\n    return model.predict(x)\nprint(os.sep)")
    assert names.defined == {"os", "rows", "score"}
    assert names.used == {"table", "model", "print", "get_ipython"}  # r and x are local; magics call get_ipython
    assert code_names("def broken(:\n").used == set()


def test_a_variable_from_another_step_is_reported_unless_a_declared_file_connects_them() -> None:
    assert found([
        ("n = 3", ["parameters"]),
        "import math",
        "%%mlstep a\nmodel = n * 2\ntable = [1]",
        "%%mlstep b\nprint(model, math.pi, n, len(table))",
        "%%mlstep c --after a\nmodel = 1\nprint(model)",  # defines its own
    ]) == [("b", "model", ("a", "c")), ("b", "table", ("a",))]
    assert found([
        "%%mlstep a --outputs m.pkl\nmodel = 1",
        "%%mlstep b --inputs m.pkl\nprint(model)",  # the user declared the hand-over
    ]) == []


def test_examples_that_exchange_files_export_per_step_and_the_others_are_refused() -> None:
    for name in ("train_evaluate", "branching"):
        notebook = nbformat.read(EXAMPLES / f"{name}.ipynb", as_version=4)
        check_step_isolation(notebook, parse_pipeline(notebook))
    notebook = nbformat.read(EXAMPLES / "data_quality.ipynb", as_version=4)
    with pytest.raises(SharedMemoryError) as error:
        check_step_isolation(notebook, parse_pipeline(notebook, name="data_quality.ipynb"))
    message = str(error.value)
    assert "data_quality.ipynb cannot run one pod per step" in message
    assert "step 'completeness' (cell 6) uses 'df', defined only in step 'generate'" in message
    assert "--outputs" in message and "--whole" in message
