"""The pipeline parser: both declaration forms and every error, naming cell and step."""

from __future__ import annotations

import pytest

from jupyter_mlops.errors import (
    CycleError,
    DeclarationConflictError,
    DuplicateStepError,
    ForwardDependencyError,
    NotebookError,
    ParametersCellError,
    StepOptionError,
    UnknownDependencyError,
    UnknownStepError,
)
from jupyter_mlops.pipeline import parse_pipeline
from tests.conftest import build_notebook

PARAMS = ("alpha = 0.5\nn: int = 3\nname = 'x'\nflags = [1, 2]\nverbose = False", ["parameters"])


def test_magic_form_with_options_prelude_and_parameters():
    pipeline = parse_pipeline(build_notebook([
        "import os", PARAMS,
        "%%mlstep prepare\nx = 1", ("md", "notes travel with the step"), "y = 2",
        "%%mlstep train --after prepare --retries 2 --timeout 600 --cpus 2 --memory 4g --gpus 1"
        " --inputs data.csv,extra.csv --outputs model.pkl --image img:1\nz = 3",
        "%%mlstep evaluate\nw = 4",
    ]))
    assert [s.name for s in pipeline.steps] == ["prepare", "train", "evaluate"]
    assert pipeline.prelude == [0, 1]
    prepare, train, evaluate = pipeline.steps
    assert prepare.cell_indices == [2, 3, 4] and prepare.after == []
    assert (train.after, train.retries, train.timeout, train.cpus, train.memory, train.gpus) == (
        ["prepare"], 2, 600.0, 2.0, "4g", 1)
    assert train.inputs == ["data.csv", "extra.csv"] and train.outputs == ["model.pkl"] and train.image == "img:1"
    assert evaluate.after == ["train"]  # default: the step before
    assert [(p.name, p.type, p.default) for p in pipeline.parameters] == [
        ("alpha", "float", 0.5), ("n", "int", 3), ("name", "str", "x"), ("flags", "list", [1, 2]),
        ("verbose", "bool", False)]


def test_tag_form_reads_like_the_magic_form():
    tagged = parse_pipeline(build_notebook([
        ("a = 1", ["mlstep:load"]),
        ("b = 2", ["mlstep:clean", "after:load", "retries:1"]),
        ("c = 3", ["mlstep:join", "after:load", "after:clean"]),
    ]))
    magic = parse_pipeline(build_notebook([
        "%%mlstep load\na = 1", "%%mlstep clean --after load --retries 1\nb = 2", "%%mlstep join --after load,clean\nc = 3",
    ]))
    strip = {"declared_by"}
    assert [s.model_dump(exclude=strip) for s in tagged.steps] == [s.model_dump(exclude=strip) for s in magic.steps]
    assert {s.declared_by for s in tagged.steps} == {"tags"}


def test_magic_and_tags_that_agree_are_fine_and_that_disagree_are_an_error():
    agree = build_notebook([("%%mlstep a\nx = 1", ["mlstep:a"])])
    assert parse_pipeline(agree).steps[0].name == "a"
    with pytest.raises(DeclarationConflictError) as error:
        parse_pipeline(build_notebook([("%%mlstep a\nx = 1", ["mlstep:b"])]))
    assert error.value.cell_index == 0 and "'a'" in str(error.value) and "'b'" in str(error.value)


def test_notebook_without_steps_is_one_implicit_step():
    pipeline = parse_pipeline(build_notebook([PARAMS, "x = 1", "y = 2"]))
    assert pipeline.implicit and [s.name for s in pipeline.steps] == ["notebook"]
    assert pipeline.steps[0].cell_indices == [1, 2] and pipeline.prelude == [0]


@pytest.mark.parametrize("cells, error, cell_index, words", [
    (["%%mlstep a\n1", "%%mlstep a\n2"], DuplicateStepError, 1, ["'a'", "declared twice", "cell 0"]),
    (["%%mlstep a --after ghost\n1"], UnknownDependencyError, 0, ["'ghost'"]),
    (["%%mlstep a --after c\n1", "%%mlstep b --after a\n2", "%%mlstep c --after b\n3"], CycleError, None,
     ["->", "a", "b", "c"]),
    (["%%mlstep a --after a\n1"], CycleError, 0, ["itself"]),
    (["%%mlstep a --after b\n1", "%%mlstep b --after\n2"], StepOptionError, 1, ["--after"]),
    (["%%mlstep load\n0", "%%mlstep a --after b\n1", "%%mlstep b --after load\n2"], ForwardDependencyError, 1,
     ["later in the notebook"]),
    (["%%mlstep a --retrys 2\n1"], StepOptionError, 0, ["--retrys"]),
    (["%%mlstep a --retries many\n1"], StepOptionError, 0, ["--retries"]),
    (["%%mlstep a --memory lots\n1"], StepOptionError, 0, ["lots"]),
    (["%%mlstep 2fast\n1"], StepOptionError, 0, ["2fast"]),
    (["%%mlstep\n1"], StepOptionError, 0, ["name"]),
    ([("x = 1", ["after:a"])], StepOptionError, 0, ["mlstep:NAME"]),
    ([("x = (1\n", ["parameters"])], ParametersCellError, 0, ["not valid Python"]),
])
def test_errors_name_the_cell_and_the_step(cells, error, cell_index, words):
    with pytest.raises(error) as raised:
        parse_pipeline(build_notebook(cells))
    message = str(raised.value)
    if cell_index is not None:
        assert raised.value.cell_index == cell_index
        assert message.startswith(f"cell {cell_index} (")  # index and first line
    for word in words:
        assert word in message


def test_cycle_names_the_whole_cycle():
    with pytest.raises(CycleError) as raised:
        parse_pipeline(build_notebook(["%%mlstep a --after c\n1", "%%mlstep b --after a\n2", "%%mlstep c --after b\n3"]))
    cycle = str(raised.value).split("cycle: ")[1]
    assert set(cycle.split(" -> ")) == {"a", "b", "c"}


def test_closure_selects_a_step_and_its_upstream_only():
    pipeline = parse_pipeline(build_notebook([
        "%%mlstep load\n1", "%%mlstep a --after load\n2", "%%mlstep b --after load\n3", "%%mlstep join --after a,b\n4"]))
    assert [s.name for s in pipeline.closure(["a"])] == ["load", "a"]
    assert [s.name for s in pipeline.closure(["join"])] == ["load", "a", "b", "join"]
    with pytest.raises(UnknownStepError, match="'nope'"):
        pipeline.closure(["nope"])


def test_unreadable_notebooks(tmp_path):
    with pytest.raises(NotebookError, match="not found"):
        parse_pipeline(tmp_path / "missing.ipynb")
    latin = tmp_path / "latin.ipynb"
    latin.write_bytes('{"cells": "caf\xe9"}'.encode("latin-1"))
    with pytest.raises(NotebookError, match="not UTF-8"):
        parse_pipeline(latin)
    broken = tmp_path / "broken.ipynb"
    broken.write_text('{"cells": [')
    with pytest.raises(NotebookError, match="not valid JSON"):
        parse_pipeline(broken)
    # papermill runs a notebook without code cells (a kernel starts, nothing executes): so do we
    assert [(s.name, s.cell_indices) for s in parse_pipeline(build_notebook([("md", "only prose")])).steps] == [
        ("notebook", [0])]


def test_older_nbformat_minor_versions_load(tmp_path):
    import json

    old = {"nbformat": 4, "nbformat_minor": 0, "metadata": {},
           "cells": [{"cell_type": "code", "metadata": {}, "source": "%%mlstep a\nx = 1", "outputs": [],
                      "execution_count": None}]}
    path = tmp_path / "old.ipynb"
    path.write_text(json.dumps(old))
    assert parse_pipeline(path).steps[0].name == "a"
