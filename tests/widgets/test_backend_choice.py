"""Run on: every form offers the backends the REST API lists; an unavailable one is shown disabled with its
reason and cannot be chosen; the choice (and the image, where the form has one) reaches the record."""

from __future__ import annotations

import pytest
import traitlets

from jupyter_mlops.batch.model import BatchStatus
from jupyter_mlops.run.model import RunStatus
from jupyter_mlops.service.batches import get_batch, list_batches
from jupyter_mlops.service.runs import get_run
from jupyter_mlops.service.schedules import list_schedules
from jupyter_mlops.widgets import panel


def test_an_unavailable_backend_is_disabled_with_its_reason_and_cannot_be_chosen(pipeline_notebook, monkeypatch):
    # Nothing listens on port 9 (discard) here: the docker backend really finds no engine.
    monkeypatch.setenv("DOCKER_HOST", "tcp://127.0.0.1:9")
    view = panel(pipeline_notebook)
    for form in (view.run_form, view.schedule_form, view.batch_view):
        choice = form.backend
        assert choice.backend.options == ("local",) and choice.backend.value == "local"
        # dask is disabled too where no cluster is configured
        docker = next(button for button in choice.disabled_buttons if button.description == "docker")
        assert docker.disabled and "127.0.0.1:9" in docker.tooltip
        assert "<b>docker</b> is not available: no Docker engine answers at tcp://127.0.0.1:9" in choice.reasons.value
        with pytest.raises(traitlets.TraitError):
            choice.backend.value = "docker"
        assert choice.image.layout.display == "none"  # local runs take no image
    assert view.run_form.backend.values() == {"backend": "local", "image": None}
    assert view.batch_view.backend.values() == {"backend": "local", "image": None}


def test_the_schedule_records_its_steps_backend_and_policies(pipeline_notebook):
    form = panel(pipeline_notebook).schedule_form
    assert [label for label, _ in form.overlap.options] == ["skip this fire", "queue it", "run both"]
    assert [label for label, _ in form.catch_up.options] == ["run the latest once", "run each", "skip them"]
    assert (form.overlap.value, form.catch_up.value, form.retries.value) == ("skip", "once", 0)  # the spec's
    form.name.value = "hourly"
    form.steps.value = ("prepare",)
    form.overlap.label = "queue it"
    form.catch_up.label = "run each"
    form.retries.value = 12
    assert form.retries.value == 10  # the spec's bound, kept by the widget
    form.button.click()

    [schedule] = list_schedules()
    assert "Schedule hourly added" in form.feedback.value
    assert schedule.steps == ["prepare"]
    assert (schedule.backend, schedule.image) == ("local", None)
    assert (schedule.overlap, schedule.catch_up, schedule.retries) == ("queue", "all", 10)
    assert schedule.run_spec().steps == ["prepare"]  # what each fire runs


def test_docker_and_its_image_reach_the_schedule(pipeline_notebook, docker_ready):
    form = panel(pipeline_notebook).schedule_form
    assert form.backend.image.layout.display == "none"
    form.backend.backend.value = "docker"
    assert form.backend.image.layout.display is None and form.backend.image.label == "Backend default"
    form.backend.image.value = docker_ready
    form.button.click()
    [schedule] = list_schedules()
    assert (schedule.backend, schedule.image) == ("docker", docker_ready)
    assert (schedule.run_spec().backend, schedule.run_spec().image) == ("docker", docker_ready)


def test_run_now_in_docker_on_the_chosen_image(readable_notebook, docker_ready):
    view = panel(readable_notebook)
    view.run_form.backend.backend.value = "docker"
    view.run_form.backend.image.value = docker_ready
    view.run_form.parameters.fields["count"].input.value = 4
    run = view.run_form.run()
    assert (run.backend, run.spec.image) == ("docker", docker_ready)
    view.runs.ticker.join(timeout=180)
    finished = get_run(run.id)
    assert finished.status == RunStatus.succeeded, finished.error
    assert finished.metrics["score"] == sum(range(4)) * 0.5 + 2 + 1
    assert finished.backend_info.get("exit_code") == 0  # a container ran it


def test_a_batch_runs_on_the_chosen_backend_and_image(readable_notebook, docker_ready):
    shown = panel(readable_notebook)
    view = shown.batch_view
    view.backend.backend.value = "docker"
    view.backend.image.value = docker_ready
    assert view.backend.values() == {"backend": "docker", "image": docker_ready}
    view.axes["count"].value = "2"
    view.button.click()
    assert (list_batches()[0][0].spec.backend, list_batches()[0][0].spec.image) == ("docker", docker_ready)
    view.ticker.join(timeout=180)
    shown.runs.ticker.join(timeout=30)  # no thread outlives the test's store
    batch = get_batch(view.batch.id)
    assert batch.status == BatchStatus.succeeded and batch.counts == {"succeeded": 1}, batch.error
    run = get_run(batch.run_ids[0])
    assert (run.backend, run.spec.image) == ("docker", docker_ready)
