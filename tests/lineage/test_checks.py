"""Safeguards in process: data checks, table and metric comparisons against a faked run context."""

from __future__ import annotations

import json

import pandas as pd
import pytest

import jupyter_mlops
from jupyter_mlops.checks.context import baseline_path
from jupyter_mlops.checks.host import previous_successful_run, run_context
from jupyter_mlops.checks.previous import changed_fraction
from jupyter_mlops.errors import CheckFailedError, CheckUsageError
from jupyter_mlops.run.model import RunSpec, RunStatus
from jupyter_mlops.run.plan import CHECK_FAILED, RUN_CONTEXT_ENV
from jupyter_mlops.store import runs as run_store


def test_the_engine_recognises_the_check_exception_by_name():
    assert CheckFailedError.__name__ == CHECK_FAILED


def test_check_reports_every_failed_assertion():
    frame = pd.DataFrame({"age": [25, -3, 140, None], "city": ["a", None, None, "d"]})
    with pytest.raises(CheckFailedError) as failed:
        jupyter_mlops.check(frame, "raw customers", schema={"age": "int", "city": str, "income": "float"},
                            ranges={"age": (0, 120)}, max_null_fraction={"city": 0.25}, min_rows=10)
    error = failed.value
    assert error.check == "raw customers"
    assert error.reasons == [
        "column 'age' has dtype float64, expected int",
        "column 'income' is missing",
        "column 'age': 2 of 3 values outside [0, 120] (e.g. -3.0, 140.0)",
        "column 'city': 50.0% missing values (at most 25.0% allowed)",
        "4 rows, expected at least 10",
    ]
    assert str(error).startswith("check 'raw customers' failed: column 'age' has dtype")


def test_check_passes_and_returns_the_data():
    frame = pd.DataFrame({"age": [25, 40], "score": [0.5, None]})
    assert jupyter_mlops.check(frame, schema={"age": "int", "score": "number"}, ranges={"age": (0, None)},
                               max_null_fraction=0.5, min_rows=1, max_rows=2) is frame
    with pytest.raises(CheckUsageError):
        jupyter_mlops.check(frame, ranges={"age": 5})
    with pytest.raises(CheckUsageError):
        jupyter_mlops.check([1, 2])


def test_check_with_a_pandera_schema():
    import pandera.pandas as pa  # the test extra installs it
    schema = pa.DataFrameSchema({"age": pa.Column(int, pa.Check.in_range(0, 120))})
    with pytest.raises(CheckFailedError, match="in_range"):
        jupyter_mlops.check(pd.DataFrame({"age": [1, 500]}), "pandera", schema=schema)


def test_changed_fraction_aligns_rows():
    old = pd.DataFrame({"id": [1, 2, 3, 4], "p": [0.1, 0.2, 0.3, None]})
    assert changed_fraction(old, old.copy(), key="id") == 0.0
    new = pd.DataFrame({"id": [2, 1, 3, 5], "p": [0.2, 0.1, 0.35, 0.5]})  # reordered; 3 changed; 4 gone; 5 new
    assert changed_fraction(old, new, key="id") == pytest.approx(3 / 5)
    assert changed_fraction(old, old.assign(p=old.p + 1e-12)) == 0.0  # within the tolerance
    assert changed_fraction(old, old.assign(extra=1)) == 1.0


def _context(monkeypatch, run_dir, previous_dir=None, metrics=None):
    previous = {"run_id": "prev", "run_dir": str(previous_dir), "metrics": metrics or {}} if previous_dir else None
    monkeypatch.setenv(RUN_CONTEXT_ENV, json.dumps(
        {"run_id": "now", "notebook": "nb.ipynb", "schedule_id": None, "run_dir": str(run_dir), "previous": previous}))


def test_compare_with_previous_keeps_a_baseline_and_fails_on_drift(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    first, second = tmp_path / "run1", tmp_path / "run2"
    first.mkdir(), second.mkdir()
    pd.DataFrame({"p": range(100)}).to_csv("predictions.csv", index=False)

    assert jupyter_mlops.compare_with_previous("predictions.csv") is None  # not in a run: nothing to compare
    _context(monkeypatch, first)
    assert jupyter_mlops.compare_with_previous("predictions.csv") is None  # first run: becomes the baseline
    assert "becomes the baseline" in capsys.readouterr().err
    assert baseline_path(first, "predictions.csv").is_file()

    pd.DataFrame({"p": [x + (1 if x < 3 else 0) for x in range(100)]}).to_csv("predictions.csv", index=False)
    _context(monkeypatch, second, first)
    assert jupyter_mlops.compare_with_previous("predictions.csv", max_changed_fraction=0.05) == pytest.approx(0.03)
    with pytest.raises(CheckFailedError) as failed:
        jupyter_mlops.compare_with_previous("predictions.csv", max_changed_fraction=0.01)
    assert str(failed.value) == ("check \"compare_with_previous('predictions.csv')\" failed: "
                                 "3.0% of rows changed since run prev (at most 1.0% allowed)")


def test_compare_metric_with_previous(tmp_path, monkeypatch):
    _context(monkeypatch, tmp_path, tmp_path, metrics={"accuracy": 0.90, "rmse": 1.0})
    assert jupyter_mlops.compare_metric_with_previous("accuracy", 0.89, tolerance=0.02) == 0.90
    with pytest.raises(CheckFailedError, match=r"accuracy = 0.85 is worse than 0.9 in run prev by 0.05"):
        jupyter_mlops.compare_metric_with_previous("accuracy", 0.85, tolerance=0.02)
    assert jupyter_mlops.compare_metric_with_previous("rmse", 0.5, higher_is_better=False) == 1.0
    with pytest.raises(CheckFailedError):
        jupyter_mlops.compare_metric_with_previous("rmse", 1.5, higher_is_better=False)
    assert jupyter_mlops.compare_metric_with_previous("f1", 0.1) is None  # the previous run did not record it


def _finished(spec, status, *, schedule_id=None):
    run = run_store.create_run(spec, schedule_id=schedule_id)

    def finish(record):
        record.status = status

    return run_store.update_run(run.id, finish)


def test_previous_is_the_last_successful_run_of_the_schedule_else_of_the_notebook():
    spec = RunSpec(notebook="/nb/a.ipynb")
    _finished(spec, RunStatus.succeeded)
    scheduled = _finished(spec, RunStatus.succeeded, schedule_id="nightly")
    _finished(spec, RunStatus.check_failed)
    _finished(spec, RunStatus.succeeded, schedule_id="other")
    current = run_store.create_run(spec, schedule_id="nightly")
    assert previous_successful_run(current).id == scheduled.id
    unscheduled = run_store.create_run(spec)
    latest = previous_successful_run(unscheduled)
    assert latest.schedule_id == "other"  # of the same notebook, whatever triggered it
    assert previous_successful_run(run_store.create_run(RunSpec(notebook="/nb/b.ipynb"))) is None
    context = run_context(run_store.create_run(spec, schedule_id="nightly"))
    assert context["previous"]["run_id"] == scheduled.id and context["schedule_id"] == "nightly"
