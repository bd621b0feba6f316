"""The widgets' Tell fields reach the schedule, run and batch as the CLI's options would; a schedule's metric
history is drawn over time with its alert thresholds and failed runs marked."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from jupyter_mlops.run.model import RunStatus
from jupyter_mlops.service.metrics import MetricHistory, MetricPoint, Threshold
from jupyter_mlops.service.runs import get_run
from jupyter_mlops.service.schedules import list_schedules, run_schedule_now
from jupyter_mlops.widgets import panel
from jupyter_mlops.widgets.tell import history_svg

from tests.waiting import wait_finished


def test_schedule_form_tells_and_draws_the_metric_history(pipeline_notebook):
    form = panel(pipeline_notebook).schedule_form
    form.name.value = "nightly"
    form.tell.webhook.value = "http://127.0.0.1:9/hook"
    form.tell.events["success"].value = True
    form.tell.alerts.value = "score < 100\n"
    form.keep_report.value = True
    form.button.click()
    assert "Schedule nightly added" in form.feedback.value, form.feedback.value
    [schedule] = list_schedules()
    assert schedule.report == "html"
    assert (schedule.notify.webhook, schedule.notify.events, schedule.notify.alerts) == (
        "http://127.0.0.1:9/hook", ["failure", "success", "alert"], ["score < 100"])

    run = wait_finished(run_schedule_now("nightly").id)
    assert run.status == RunStatus.succeeded and get_run(run.id).metrics == {"score": 4.5}
    form.show_schedules()
    assert form.history_schedule.value == schedule.id and form.history_metric.value == "score"
    assert f"data-run='{run.id}'" in form.history.value and "alert &lt; 100" in form.history.value


def test_bad_channels_are_shown_not_raised(pipeline_notebook):
    form = panel(pipeline_notebook).schedule_form
    form.tell.email.value = "nobody"
    form.button.click()
    assert "NotifyError" in form.feedback.value and "is not an email address" in form.feedback.value
    assert list_schedules() == []
    run_form = panel(pipeline_notebook).run_form
    run_form.tell.webhook.value = "http://127.0.0.1:9/hook"
    run_form.tell.events["slow"].value = True
    assert run_form.run() is None and "slow event needs slow_after" in run_form.feedback.value


def test_history_svg_marks_failures_and_draws_thresholds():
    start = datetime(2026, 1, 1, 3, tzinfo=timezone.utc)
    history = MetricHistory(metrics=["accuracy"], numeric=["accuracy"],
                            thresholds=[Threshold(metric="accuracy", op="<", value=0.8)],
                            points=[MetricPoint(run_id=f"r{i}", at=start + timedelta(days=i), status=status,
                                                metrics={"accuracy": value})
                                    for i, (status, value) in enumerate([(RunStatus.succeeded, 0.9),
                                                                         (RunStatus.check_failed, 0.7)])])
    svg = history_svg(history, "accuracy")
    assert "<circle data-run='r0'" in svg and "class='failed' data-run='r1'" in svg
    assert "class='threshold'" in svg and "2026-01-01" in svg and "2026-01-02" in svg
