"""GET/POST pipeline: steps, dependencies, typed parameters, errors against their cell."""

from __future__ import annotations

import nbformat

from tests.conftest import build_notebook


async def test_get_pipeline_describes_steps_and_parameters(api, notebook):
    path = notebook(name="sub dir/train.ipynb")
    status, report = await api("GET", "pipeline", path=path)
    assert status == 200 and report["errors"] == []
    pipeline = report["pipeline"]
    assert [(s["name"], s["after"]) for s in pipeline["steps"]] == [("prepare", []), ("train", ["prepare"])]
    assert [(p["name"], p["type"], p["default"]) for p in pipeline["parameters"]] == [
        ("alpha", "float", 0.5), ("label", "str", "x")]
    assert pipeline["steps"][1]["cell_indices"] == [2]


async def test_pipeline_errors_come_with_their_cell(api, notebook):
    path = notebook(["x = 1", "%%mlstep a --after b\ny = 2", "%%mlstep b\nz = 3"])
    status, report = await api("GET", "pipeline", path=path)
    assert status == 200 and report["pipeline"] is None
    [problem] = report["errors"]
    assert problem["cell_index"] == 1 and problem["step"] == "a"
    assert "b" in problem["message"]


async def test_post_pipeline_reads_unsaved_content(api):
    content = build_notebook(["%%mlstep load\nx = 1", "%%mlstep fit\ny = x"])
    status, report = await api("POST", "pipeline", {"content": content})
    assert status == 200
    assert [s["name"] for s in report["pipeline"]["steps"]] == ["load", "fit"]


async def test_post_pipeline_refuses_what_is_not_a_notebook(api):
    status, error = await api("POST", "pipeline", {"content": {"cells": "nope"}})
    assert status == 400 and error["field"] == "content"
    status, error = await api("POST", "pipeline", {"content": nbformat.v4.new_notebook(), "extra": 1})
    assert status == 400 and error["field"] == "extra" and "extra" in error["message"]


async def test_missing_notebook_is_404(api):
    status, error = await api("GET", "pipeline", path="nowhere.ipynb")
    assert status == 404 and "nowhere.ipynb" in error["message"]
