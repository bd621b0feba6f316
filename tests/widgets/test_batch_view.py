"""The batch view: a grid from per-parameter values, progress while it runs, then the results table."""

from __future__ import annotations

import time

from jupyter_mlops.batch.model import BatchStatus
from jupyter_mlops.service.batches import batch_results, get_batch, list_batches
from jupyter_mlops.widgets import panel


def test_start_a_grid_follow_its_progress_then_see_the_results(pipeline_notebook):
    shown = panel(pipeline_notebook)
    view = shown.batch_view
    view.axes["count"].value = "1,2"
    view.axes["label"].value = "x"
    view.parallel.value = 2
    view.button.click()

    assert view.batch is not None and "2 runs" in view.feedback.value
    assert view.progress.max == 2
    assert shown.runs.table.value.count("<td>batch</td>") == 2  # the runs table follows the batch's runs too
    [points] = [[run for run in b.spec.points] for b in list_batches()[0]]
    assert points == [{"count": 1, "label": "x"}, {"count": 2, "label": "x"}]

    view.ticker.join(timeout=120)
    shown.runs.ticker.join(timeout=30)  # no thread outlives the test's store
    assert view.batch.status == BatchStatus.succeeded, view.batch.error
    assert view.progress.value == 2 and "2 succeeded" in view.status.value
    results = view.results.value
    assert "<th>count</th>" in results and "<th>score</th>" in results
    # score = sum(range(count)) * 0.5 + len(layers) + options["a"]
    assert "<td>1</td><td>x</td><td>3</td>" in results and "<td>2</td><td>x</td><td>3.5</td>" in results


def test_a_value_of_the_wrong_type_is_refused_before_anything_runs(pipeline_notebook):
    view = panel(pipeline_notebook).batch_view
    view.button.click()
    assert "at least one parameter" in view.feedback.value
    view.axes["count"].value = "1,two"
    view.button.click()
    assert "GridError" in view.feedback.value and "count" in view.feedback.value
    assert list_batches()[1] == 0


def test_cancel_stops_the_batch_and_keeps_its_finished_runs(write_notebook):
    notebook = write_notebook([("nap = 0.0", ["parameters"]), "%%mlstep wait\nimport time\ntime.sleep(nap)"])
    shown = panel(notebook)
    view = shown.batch_view
    assert view.cancel_button.layout.display == "none"  # nothing to cancel yet
    view.axes["nap"].value = "0, 60, 0"
    view.parallel.value = 1
    view.button.click()
    assert view.cancel_button.layout.display is None

    deadline = time.monotonic() + 120
    while get_batch(view.batch.id).counts.get("succeeded", 0) < 1:  # the quick run is done, the slow one runs
        assert time.monotonic() < deadline, get_batch(view.batch.id)
        time.sleep(0.2)
    view.cancel_button.click()
    assert "Cancelling" in view.feedback.value
    view.ticker.join(timeout=60)
    shown.runs.ticker.join(timeout=30)  # no thread outlives the test's store

    assert view.batch.status == BatchStatus.cancelled
    assert view.cancel_button.layout.display == "none"
    statuses = [row.status for row in batch_results(view.batch.id).rows]
    assert statuses[0] == "succeeded" and "succeeded" not in statuses[1:], statuses
    view.cancel_button.click()  # a late click on a finished batch says so instead of failing
    assert "already finished" in view.feedback.value
