"""`%%mlcheck NAME` cells and `mlcheck:NAME` tags: steps of kind check, through the one parser."""

from __future__ import annotations

import pytest

from jupyter_mlops.errors import DeclarationConflictError
from jupyter_mlops.pipeline import parse_pipeline
from jupyter_mlops.run.prepare import prepare_notebook
from jupyter_mlops.run.plan import code_to_execute
from tests.conftest import build_notebook


def test_mlcheck_magic_and_tags_declare_check_steps():
    notebook = build_notebook([
        "%%mlstep load --outputs raw.csv\ndf = 1",
        "%%mlcheck raw_ok --inputs raw.csv --timeout 30\nassert df == 1",
        ("assert True", ["mlcheck:tagged", "after:load"]),
        "%%mlstep train\nmodel = 2",
    ])
    pipeline = parse_pipeline(notebook)
    assert [(s.name, s.kind, s.after) for s in pipeline.steps] == [
        ("load", "step", []), ("raw_ok", "check", ["load"]), ("tagged", "check", ["load"]),
        ("train", "step", ["tagged"])]
    assert pipeline.step("raw_ok").inputs == ["raw.csv"] and pipeline.step("raw_ok").timeout == 30

    prepared = prepare_notebook(notebook, pipeline)
    assert [s["kind"] for s in prepared.metadata["mlops"]["steps"]] == ["step", "check", "check", "step"]
    assert code_to_execute(prepared.cells[1]) == "\nassert df == 1"  # the kernel never sees %%mlcheck


def test_magic_and_tags_must_agree_on_the_kind():
    notebook = build_notebook([("%%mlcheck quality\nassert True", ["mlstep:quality"])])
    with pytest.raises(DeclarationConflictError, match="cell 0"):
        parse_pipeline(notebook)
    same = build_notebook([("%%mlcheck quality\nassert True", ["mlcheck:quality"])])
    assert parse_pipeline(same).steps[0].kind == "check"
