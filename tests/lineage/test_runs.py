"""Lineage and safeguards in real runs: papermill, a real kernel, the store."""

from __future__ import annotations

import pandas as pd
from click.testing import CliRunner

from jupyter_mlops.cli import main
from jupyter_mlops.run.model import RunSpec, RunStatus, StepStatus
from jupyter_mlops.service.lineage import diff_runs
from jupyter_mlops.service.runs import get_run, run_notebook

TRAIN = ("%%mlstep train --inputs data.csv --outputs model.txt\n"
         "import pandas as pd, jupyter_mlops\n"
         "total = float(pd.read_csv('data.csv')['x'].sum()) * scale\n"
         "open('model.txt', 'w').write(str(total))\n"
         "jupyter_mlops.record('total', total)")


def cli(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def test_lineage_diff_and_rerun(write_notebook, tmp_path):
    data = tmp_path / "data.csv"
    pd.DataFrame({"x": [1, 2, 3]}).to_csv(data, index=False)
    notebook = write_notebook([("scale = 1.0", ["parameters"]), TRAIN])
    first = run_notebook(RunSpec(notebook=str(notebook)))
    assert first.status == RunStatus.succeeded, first.error
    lineage = first.lineage
    assert lineage.environment.kind == "local" and lineage.git is None and lineage.parameters == {"scale": 1.0}
    assert set(lineage.inputs) == {"data.csv"} and lineage.inputs["data.csv"].path == str(data)
    assert lineage.outputs["model.txt"].size == len("6.0")

    pd.DataFrame({"x": [10, 20, 30]}).to_csv(data, index=False)
    write_notebook([("scale = 1.0", ["parameters"]), TRAIN.replace("* scale", "* scale + 1")])
    second = run_notebook(RunSpec(notebook=str(notebook), parameters={"scale": 2.0}))
    assert second.metrics == {"total": 121.0}
    assert second.lineage.environment == lineage.environment  # one environment, shared
    assert second.lineage.notebook_sha256 != lineage.notebook_sha256

    diff = diff_runs(first.id, second.id)
    assert "-total = float(pd.read_csv('data.csv')['x'].sum()) * scale" in diff.code
    assert "+total = float(pd.read_csv('data.csv')['x'].sum()) * scale + 1" in diff.code
    assert [(c.name, c.a, c.b) for c in diff.parameters] == [("scale", 1.0, 2.0)]
    assert [(c.name, c.a, c.b) for c in diff.metrics] == [("total", 6.0, 121.0)]
    assert [c.name for c in diff.inputs] == ["data.csv"] and [c.name for c in diff.outputs] == ["model.txt"]
    assert diff.environment == []
    assert diff_runs(first.id, first.id).identical

    shown = cli("runs", "diff", first.id, second.id)
    assert shown.exit_code == 0
    assert "parameters:\n  scale: 1.0 -> 2.0" in shown.stdout and "metrics:\n  total: 6.0 -> 121.0" in shown.stdout

    # The rerun executes the first run's snapshot (old code, old parameters) on today's data.
    again = cli("runs", "rerun", first.id, "--json")
    assert again.exit_code == 0, again.stderr
    assert f"warning: input data.csv ({data}) changed" in again.stderr
    rerun = get_run(again.stdout.split('"id": "')[1].split('"')[0])
    assert rerun.trigger == "rerun" and rerun.parameters == first.parameters
    assert rerun.lineage.notebook_sha256 == lineage.notebook_sha256
    assert rerun.metrics == {"total": 60.0}


def test_a_failing_data_check_ends_the_run_check_failed(write_notebook):
    notebook = write_notebook([
        "%%mlstep load\nimport pandas as pd, jupyter_mlops\ndf = pd.DataFrame({'age': [30, -1, 200]})",
        "%%mlcheck input_quality\njupyter_mlops.check(df, 'ages', ranges={'age': (0, 120)}, min_rows=2)",
        "%%mlstep train\nprint('trained')",
    ])
    run = run_notebook(RunSpec(notebook=str(notebook)))
    assert run.status == RunStatus.check_failed
    assert run.failed_step == "input_quality"
    assert run.error == ("CheckFailedError: check 'ages' failed: column 'age': 2 of 3 values outside [0, 120] "
                         "(e.g. -1, 200)")
    assert [(s.name, s.status) for s in run.steps] == [
        ("load", StepStatus.succeeded), ("input_quality", StepStatus.check_failed), ("train", StepStatus.skipped)]
    shown = cli("runs", "show", run.id)
    assert "check_failed" in shown.stdout and "check 'ages' failed" in shown.stdout


def test_model_comparison_fails_when_the_data_drifts(write_notebook):
    notebook = write_notebook([
        ("shift = 0.0", ["parameters"]),
        "%%mlstep predict --outputs predictions.csv\nimport pandas as pd, jupyter_mlops\n"
        "predictions = pd.DataFrame({'id': range(50), 'p': [i / 50 + shift for i in range(50)]})\n"
        "predictions.to_csv('predictions.csv', index=False)",
        "%%mlcheck no_drift\n"
        "jupyter_mlops.compare_metric_with_previous('mean_p', predictions.p.mean(), tolerance=1.0,"
        " higher_is_better=False)\n"
        "jupyter_mlops.compare_with_previous('predictions.csv', max_changed_fraction=0.05, key='id')",
    ])
    baseline = run_notebook(RunSpec(notebook=str(notebook)))
    assert baseline.status == RunStatus.succeeded, baseline.error
    assert baseline.metrics["mean_p"] == 0.49

    drifted = run_notebook(RunSpec(notebook=str(notebook), parameters={"shift": 0.5}))
    assert drifted.status == RunStatus.check_failed
    assert drifted.failed_step == "no_drift"
    assert drifted.error == ("CheckFailedError: check \"compare_with_previous('predictions.csv')\" failed: "
                             f"100.0% of rows changed since run {baseline.id} (at most 5.0% allowed)")
