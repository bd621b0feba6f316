"""Grid expansion: YAML grids, -p axes and JSONL lists, typed and checked before anything runs."""

from __future__ import annotations


import pytest

from jupyter_mlops.batch.grid import grid_points
from jupyter_mlops.errors import GridError
from jupyter_mlops.service.runs import get_pipeline

PARAMETERS = ("alpha = 0.5\ndepth = 3\nname = 'x'\nflag = False\nlayers = [1]", ["parameters"])


@pytest.fixture
def pipeline(write_notebook):
    return get_pipeline(write_notebook([PARAMETERS, "print(alpha)"]))


def test_cli_axes_are_typed_by_the_parameters_and_multiply(pipeline):
    points = grid_points(pipeline, axes=[("alpha", "0.1,1"), ("depth", "3,5"), ("name", "a,007")])
    assert len(points) == 8
    assert points[0] == {"alpha": 0.1, "depth": 3, "name": "a"}
    assert points[-1] == {"alpha": 1.0, "depth": 5, "name": "007"}  # text stays text, 1 widens to 1.0
    assert all(isinstance(p["alpha"], float) and isinstance(p["depth"], int) for p in points)


def test_cli_axis_of_lists_and_bools(pipeline):
    points = grid_points(pipeline, axes=[("layers", "[1, 2],[3]"), ("flag", "true,false")])
    assert [p["layers"] for p in points] == [[1, 2], [1, 2], [3], [3]]
    assert [p["flag"] for p in points] == [True, False, True, False]


def test_yaml_grid_with_a_fixed_value_and_cli_axes_combined(pipeline, tmp_path):
    grid = tmp_path / "grid.yaml"
    grid.write_text("alpha: [0.1, 0.2, 0.3]\nname: fixed\n")
    points = grid_points(pipeline, grid_file=grid, axes=[("depth", "1,2")])
    assert len(points) == 6
    assert {p["name"] for p in points} == {"fixed"}
    assert points[1] == {"alpha": 0.1, "name": "fixed", "depth": 2}


def test_jsonl_list_runs_as_given(pipeline, tmp_path):
    runs = tmp_path / "runs.jsonl"
    runs.write_text('{"alpha": 0.1, "depth": 2}\n\n{"name": "b"}\n')
    assert grid_points(pipeline, params_list=runs) == [{"alpha": 0.1, "depth": 2}, {"name": "b"}]


@pytest.mark.parametrize(("kwargs", "files", "message"), [
    ({"axes": [("depth", "3,4.5")]}, {}, "grid axis 'depth': parameter 'depth' expects int"),
    ({"axes": [("alpha", "0.1,true")]}, {}, "expects float"),
    ({"axes": [("gamma", "1,2")]}, {}, "unknown parameter 'gamma'"),
    ({"axes": [("depth", "1"), ("depth", "2")]}, {}, "given twice"),
    ({}, {}, "a batch needs a grid"),
    ({"grid_file": "grid.yaml"}, {"grid.yaml": "alpha: [0.1,\n"}, "is not valid YAML"),
    ({"grid_file": "grid.yaml"}, {"grid.yaml": "- 1\n- 2\n"}, "must be a mapping"),
    ({"grid_file": "grid.yaml"}, {"grid.yaml": "alpha: []\n"}, "empty list of values"),
    ({"params_list": "runs.jsonl"}, {"runs.jsonl": '{"alpha": 0.1}\n{"alpha": \n'}, "line 2 is not valid JSON"),
    ({"params_list": "runs.jsonl"}, {"runs.jsonl": '[1, 2]\n'}, "line 1 must be a JSON object"),
    ({"params_list": "runs.jsonl"}, {"runs.jsonl": '{"depth": "3"}\n'}, "point 1: parameter 'depth' expects int"),
    ({"params_list": "runs.jsonl"}, {"runs.jsonl": "\n"}, "holds no parameter sets"),
    ({"params_list": "runs.jsonl", "axes": [("depth", "1")]}, {"runs.jsonl": "{}\n"}, "cannot be combined"),
])
def test_errors_name_what_is_wrong(pipeline, tmp_path, kwargs, files, message):
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    kwargs = {k: tmp_path / v if k in ("grid_file", "params_list") else v for k, v in kwargs.items()}
    with pytest.raises(GridError, match=message):
        grid_points(pipeline, **kwargs)


def test_nothing_is_recorded_when_a_point_is_wrong(write_notebook):
    from jupyter_mlops.batch.model import BatchSpec
    from jupyter_mlops.service.batches import list_batches, start_batch
    from jupyter_mlops.service.runs import list_runs

    notebook = write_notebook([PARAMETERS, "print(alpha)"])
    with pytest.raises(GridError, match="batch point 2"):
        start_batch(BatchSpec(notebook=str(notebook), points=[{"depth": 1}, {"depth": "deep"}]), wait=True)
    assert list_batches()[1] == 0 and list_runs()[1] == 0
