"""`jupyter-mlops batch NB ...` and `batch show ID`."""

from __future__ import annotations

import json

from click.testing import CliRunner

from jupyter_mlops.cli import main
from jupyter_mlops.service.batches import list_batches


def test_batch_then_show_sorted_and_exported(write_notebook, tmp_path):
    notebook = write_notebook([("alpha = 0.5\ndepth = 1", ["parameters"]),
                               "import jupyter_mlops\njupyter_mlops.record('score', alpha * depth)"])
    runner = CliRunner()
    result = runner.invoke(main, ["batch", str(notebook), "-p", "alpha", "0.1,0.3", "-p", "depth", "1,2",
                                  "--parallel", "2"])
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[0].split() == ["alpha", "depth", "score", "status", "duration", "run_id"]
    assert "succeeded in" in result.stderr and "4 succeeded" in result.stderr
    (batch,), _ = list_batches()

    shown = runner.invoke(main, ["batch", "show", batch.id, "--sort", "score", "--desc"])
    assert shown.exit_code == 0, shown.output
    scores = [line.split()[2] for line in shown.stdout.splitlines()[1:]]
    assert scores == ["0.6", "0.3", "0.2", "0.1"]

    csv_path = tmp_path / "results.csv"
    exported = runner.invoke(main, ["batch", "show", batch.id, "--sort", "alpha", "--format", "csv",
                                    "-o", str(csv_path)])
    assert exported.exit_code == 0, exported.output
    lines = csv_path.read_text().splitlines()
    assert lines[0] == "alpha,depth,score,status,duration,run_id" and lines[1].startswith("0.1,1,0.1,succeeded,")

    as_json = runner.invoke(main, ["batch", "show", batch.id, "--format", "json"])
    assert [row["parameters"] for row in json.loads(as_json.stdout)["rows"]] == [
        {"alpha": 0.1, "depth": 1}, {"alpha": 0.1, "depth": 2}, {"alpha": 0.3, "depth": 1}, {"alpha": 0.3, "depth": 2}]
    listed = runner.invoke(main, ["batch", "list"])
    assert batch.id in listed.stdout


def test_a_wrong_value_is_refused_before_anything_runs(write_notebook):
    notebook = write_notebook([("depth = 1", ["parameters"]), "pass"])
    result = CliRunner().invoke(main, ["batch", str(notebook), "-p", "depth", "1,two"])
    assert result.exit_code == 1
    assert "GridError: grid axis 'depth': parameter 'depth' expects int" in result.output
    assert list_batches()[1] == 0
