"""The batch view: a grid from per-parameter values, progress while it runs, then the results table."""

from __future__ import annotations

from jupyter_mlops.batch.model import BatchStatus
from jupyter_mlops.service.batches import list_batches
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
