"""`jupyter-mlops run NB --only STEP`: the prelude and that step, not what it depends on."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from jupyter_mlops.errors import StepSelectionError, UnknownStepError
from jupyter_mlops.pipeline import parse_pipeline
from jupyter_mlops.run.plan import cell_step
from jupyter_mlops.run.prepare import prepare_notebook

from ..conftest import build_notebook

CELLS = [
    ("x = 1", ["parameters"]),
    "import json",
    "%%mlstep a --outputs a.json\nopen('a.json', 'w').write(json.dumps(x + 1))",
    "%%mlstep b --after a --inputs a.json\nb = json.load(open('a.json')) * 10\nprint('b is', b)",
    "%%mlstep c --after b\nc = b + 1",
]


def test_only_keeps_the_prelude_and_exactly_the_named_steps() -> None:
    notebook = build_notebook(CELLS)
    pipeline = parse_pipeline(notebook)
    prepared = prepare_notebook(notebook, pipeline, only=["b"])
    assert [c.source.split("\n")[0] for c in prepared.cells] == ["x = 1", "import json", "%%mlstep b --after a --inputs a.json"]
    assert [cell_step(c) for c in prepared.cells] == [None, None, "b"]
    assert [s["name"] for s in prepared.metadata["mlops"]["steps"]] == ["b"]


def test_only_refuses_unknown_steps_and_steps_together() -> None:
    notebook = build_notebook(CELLS)
    pipeline = parse_pipeline(notebook)
    with pytest.raises(UnknownStepError, match="'nope'"):
        prepare_notebook(notebook, pipeline, only=["nope"])
    with pytest.raises(StepSelectionError, match="not both"):
        prepare_notebook(notebook, pipeline, steps=["c"], only=["b"])


def test_run_only_executes_one_step_from_the_files_of_another(write_notebook, tmp_path) -> None:
    path = write_notebook(CELLS)
    (tmp_path / "a.json").write_text("41")  # what step a would have written, with x = 40
    done = subprocess.run([sys.executable, "-m", "jupyter_mlops.cli", "run", str(path), "--only", "b", "--json"],
                          capture_output=True, text=True, cwd=tmp_path, timeout=120)
    assert done.returncode == 0, done.stderr
    record = json.loads(done.stdout)
    assert [(s["name"], s["status"]) for s in record["steps"]] == [("b", "succeeded")]
    assert "b is 410" in open(record["output_notebook"]).read()
