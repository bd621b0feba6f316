"""Re-run from the widgets' runs table: a real run, then a rerun of its own snapshot after the notebook changed."""

from __future__ import annotations

from pathlib import Path

import nbformat

from jupyter_mlops.run.model import RunStatus
from jupyter_mlops.service.runs import get_run, list_runs
from jupyter_mlops.widgets import panel


def test_a_finished_run_is_rerun_exactly_from_its_snapshot(pipeline_notebook):
    view = panel(pipeline_notebook)
    assert view.runs.rerun_button.disabled  # nothing has finished yet
    view.run_form.parameters.fields["count"].input.value = 4
    first = view.run_form.run()
    view.runs.ticker.join(timeout=90)
    assert get_run(first.id).status == RunStatus.succeeded
    assert view.runs.rerun_choice.options == ((f"{first.id} (succeeded)", first.id),)
    assert not view.runs.rerun_button.disabled

    # The notebook changes so that running it now would fail: the rerun executes the snapshot.
    content = nbformat.read(pipeline_notebook, as_version=4)
    content.cells[2].source = "%%mlstep train --after prepare\nraise RuntimeError('edited after the run')"
    nbformat.write(content, pipeline_notebook)
    view.runs.rerun_choice.value = first.id
    view.runs.rerun_button.click()

    newest = list_runs(notebook=str(pipeline_notebook))[0][0]
    assert newest.id != first.id and newest.trigger == "rerun"
    assert f"Run {newest.id} started from run {first.id}" in view.runs.feedback.value
    view.runs.ticker.join(timeout=90)  # the table follows the rerun
    rerun = get_run(newest.id)
    assert rerun.status == RunStatus.succeeded, rerun.error
    assert rerun.parameters == first.parameters == {**rerun.parameters, "count": 4}
    assert rerun.metrics["score"] == get_run(first.id).metrics["score"]
    assert f"<tr data-run-id='{newest.id}' data-status='succeeded'>" in view.runs.table.value


def test_a_rerun_that_cannot_start_says_why(pipeline_notebook):
    view = panel(pipeline_notebook)
    first = view.run_form.run()
    view.runs.ticker.join(timeout=90)
    Path(get_run(first.id).run_dir, "input.ipynb").unlink()  # its snapshot is gone
    view.runs.refresh()
    view.runs.rerun_choice.value = first.id
    assert view.runs.rerun() is None
    assert "LineageError" in view.runs.feedback.value and "no notebook snapshot" in view.runs.feedback.value
