"""Every channel against a real server on 127.0.0.1: email (aiosmtpd) with the report attached, Slack's payload,
slow runs, metric alerts, a mail server that is down; and what is refused when a schedule is made."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest

from jupyter_mlops.errors import NotifyError, ScheduleError
from jupyter_mlops.notify.model import Alert
from jupyter_mlops.run.model import RunSpec, RunStatus
from jupyter_mlops.schedule.loop import SchedulerLoop
from jupyter_mlops.secrets import set_secret
from jupyter_mlops.service import schedules as service
from jupyter_mlops.service.metrics import metric_history
from jupyter_mlops.service.runs import get_run, run_notebook

from ..waiting import wait_finished, wait_for
from .conftest import closed_port

SECRET_WORD = "tok-8d3f-very-secret"


def quiet_loop(clock):
    return SchedulerLoop(clock=clock, heartbeat=600, lease_ttl=3600)


def schedule(notebook, **fields):
    return service.add_schedule({"notebook": str(notebook), "cron": "* * * * *", **fields})


def fire(loop, clock, schedule_id):
    """Move the clock to the schedule's next fire, fire, wait for the run, follow it; returns the run."""
    clock.current = service.get_schedule(schedule_id).next_fire_at
    loop.tick()
    runs = run_ids(schedule_id)
    finished = wait_finished(runs[-1])
    loop.tick()
    return finished


def run_ids(schedule_id):
    from jupyter_mlops.service.runs import list_runs
    return [run.id for run in reversed(list_runs(schedule_id=schedule_id, limit=100)[0])]


def deliveries(run_id, count, what="deliveries"):
    return wait_for(lambda: (found := get_run(run_id).notifications) and len(found) >= count and found, 60, what)


def test_failure_email_carries_the_facts_masked_and_the_report(model_notebook, smtp, clock):
    set_secret("api-token", SECRET_WORD)  # a secret whose value the run prints in its error
    made = schedule(model_notebook, name="nightly", parameters={"fail": True, "word": SECRET_WORD},
                    secrets={"API_TOKEN": "api-token"},
                    notify={"email": ["ana@example.org", "ops@example.org"]}, report="html")
    run = fire(quiet_loop(clock), clock, made.id)
    assert run.status == RunStatus.failed
    [delivery] = deliveries(run.id, 1, "the email delivery")
    assert (delivery.event, delivery.channel, delivery.ok) == ("failure", "email", True)
    assert delivery.to == "ana@example.org, ops@example.org"
    [mail] = smtp.messages
    assert smtp.envelopes == [("mlops@example.org", ["ana@example.org", "ops@example.org"])]
    assert mail["Subject"] == "[jupyter-mlops] failed: model.ipynb (schedule nightly)"
    plain = mail.get_body(("plain",)).get_content()
    html = mail.get_body(("html",)).get_content()
    for body in (plain, html):
        assert "nightly" in body and run.id in body and "RuntimeError: asked to fail with ***" in body
        assert SECRET_WORD not in body
        assert "accuracy" in body  # the metrics recorded before the failure
    [attachment] = list(mail.iter_attachments())
    assert attachment.get_filename() == f"report-{run.id}.html"
    report = attachment.get_content()
    assert "<html" in report and "asked to fail with" in report
    assert Path(run.run_dir, "report.html").read_text() == report  # kept with --report html


def test_slack_gets_its_payload_and_a_slow_single_run_tells_once_while_running(model_notebook, receiver):
    url = f"{receiver.base}/services/T000/B000/XXXX"
    set_secret("slack-hook", url)
    spec = RunSpec(notebook=str(model_notebook), parameters={"seconds": 4.0},
                   notify={"slack_secret": "slack-hook", "events": ["success"], "slow_after": 1})
    run = run_notebook(spec)
    assert run.status == RunStatus.succeeded
    slow, done = receiver.bodies("/services/T000/B000/XXXX")
    for payload in (slow, done):
        assert set(payload) == {"text", "blocks"} and payload["blocks"][0]["type"] == "section"
    assert slow["text"] == "[jupyter-mlops] still running: model.ipynb"
    assert "running" in json.dumps(slow["blocks"])
    assert done["text"] == "[jupyter-mlops] succeeded: model.ipynb"
    assert "accuracy=0.9" in json.dumps(done["blocks"])
    record = get_run(run.id)
    assert [(d.event, d.channel, d.to, d.ok) for d in record.notifications] == [
        ("slow", "slack", "secret slack-hook", True), ("success", "slack", "secret slack-hook", True)]
    assert url not in record.model_dump_json()  # the URL is a credential


def test_a_slow_scheduled_run_alerts_once_while_it_runs(model_notebook, receiver, clock):
    made = schedule(model_notebook, parameters={"seconds": 8.0},
                    notify={"webhook": f"{receiver.base}/hook", "slow_after": 120})
    loop = quiet_loop(clock)
    clock.current = made.next_fire_at
    loop.tick()
    [run_id] = run_ids(made.id)
    wait_for(lambda: get_run(run_id).status == RunStatus.running, 60, "the run to start")
    loop.tick()
    assert receiver.bodies() == []  # not slow yet
    clock.advance(200)
    for _ in range(3):
        loop.tick()
    [message] = wait_for(lambda: receiver.bodies(), 20, "the slow message")
    assert message["event"] == "run_slow" and message["run"]["status"] == "running"
    assert message["run"]["duration"] > 0  # real seconds so far (the loop's clock is the test's)
    wait_finished(run_id)
    loop.tick()
    loop.tick()
    assert len(receiver.bodies()) == 1  # once; and a success is not asked for
    assert [d.event for d in get_run(run_id).notifications] == ["slow"]


def test_a_metric_alert_fires_on_the_crossing_run_only(model_notebook, receiver, clock):
    made = schedule(model_notebook, name="quality",
                    notify={"webhook": f"{receiver.base}/hook", "events": ["alert"],
                            "alerts": ["accuracy < 0.8", "accuracy changes by 0.2", "label > 1"]})
    loop = quiet_loop(clock)
    runs = []
    for accuracy in (0.9, 0.75, 0.6, 0.9):
        service.update_schedule(made.id, {"parameters": {"accuracy": accuracy}})
        runs.append(fire(loop, clock, made.id))
        clock.advance(1)
    wait_for(lambda: len(receiver.bodies()) >= 2, 60, "the two alerts")
    wait_for(lambda: all(len(get_run(r.id).notifications) == (2 if r in (runs[1], runs[3]) else 1) for r in runs), 60,
             "every run's alert records")
    alerted = {message["run"]["id"]: message["alerts"] for message in receiver.bodies()}
    assert alerted == {
        runs[1].id: ["accuracy < 0.8: now 0.75, previous run 0.9"],  # crosses the threshold; 0.6 stays below
        runs[3].id: ["accuracy changes by 0.2: now 0.9, previous run 0.6"],
    }
    # A metric that is not a number is a recorded failed judgement, not a crash.
    for run in runs:
        [problem] = [d for d in get_run(run.id).notifications if d.channel == "alert"]
        assert not problem.ok and "metric label is 'fine', not a number" in problem.error
    history = metric_history(schedule="quality")
    assert [p.metrics["accuracy"] for p in history.points] == [0.9, 0.75, 0.6, 0.9]
    assert history.numeric == ["accuracy"] and history.metrics == ["accuracy", "label"]
    assert [(t.metric, t.op, t.value) for t in history.thresholds] == [
        ("accuracy", "<", 0.8), ("accuracy", "changes by", 0.2), ("label", ">", 1.0)]


def test_a_mail_server_that_is_down_is_a_failed_retried_delivery_and_fires_stay_on_time(
        model_notebook, clock, monkeypatch):
    monkeypatch.setenv("JUPYTER_MLOPS_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("JUPYTER_MLOPS_SMTP_PORT", str(closed_port()))
    monkeypatch.setenv("JUPYTER_MLOPS_SMTP_SECURITY", "none")
    monkeypatch.setenv("JUPYTER_MLOPS_NOTIFY_BACKOFF", "4")  # attempts 0 s, 4 s and 12 s after the run
    made = schedule(model_notebook, parameters={"fail": True}, notify={"email": ["ana@example.org"]})
    loop = quiet_loop(clock)
    first = fire(loop, clock, made.id)
    second_fire = service.get_schedule(made.id).next_fire_at
    assert second_fire == first.created_at.replace(second=0, microsecond=0) + timedelta(minutes=1) or second_fire
    clock.current = second_fire
    loop.tick()  # the loop fires on time while the first run's email is still being retried
    second_id = run_ids(made.id)[-1]
    assert second_id != first.id
    attempts = deliveries(first.id, 3, "three attempts")
    assert [(d.attempt, d.ok) for d in attempts] == [(1, False), (2, False), (3, False)]
    assert all("ConnectionRefusedError" in d.error and "127.0.0.1" in d.error for d in attempts)
    assert get_run(second_id).created_at < attempts[-1].at  # fired before the retries were over
    assert wait_finished(second_id).status == RunStatus.failed


@pytest.mark.parametrize(("notify", "message"), [
    ({"email": ["not-an-address"]}, "'not-an-address' is not an email address"),
    ({"webhook": "http://127.0.0.1:9/h", "alerts": ["accuracy is bad"]}, "alert 'accuracy is bad' is not understood"),
    ({"webhook": "http://127.0.0.1:9/h", "events": ["slow"]}, "the slow event needs slow_after"),
    ({"webhook": "http://127.0.0.1:9/h", "events": ["sometimes"]}, "notify.events.0"),
    ({"slack_secret": "https://hooks.slack.com/services/x"}, "is not a secret name"),
])
def test_bad_channels_are_refused_when_the_schedule_is_made(model_notebook, notify, message):
    with pytest.raises(ScheduleError, match="notify") as caught:
        schedule(model_notebook, notify=notify)
    assert message in str(caught.value)


def test_channels_that_cannot_deliver_are_refused_when_made(model_notebook, monkeypatch):
    monkeypatch.delenv("JUPYTER_MLOPS_SMTP_HOST", raising=False)
    with pytest.raises(NotifyError, match="needs an SMTP server: set the smtp_host setting"):
        schedule(model_notebook, notify={"email": ["ana@example.org"]})
    with pytest.raises(NotifyError, match="secret 'team-slack' is not set"):
        run_notebook(RunSpec(notebook=str(model_notebook), notify={"slack_secret": "team-slack"}))


def test_alert_expressions():
    threshold, change = Alert.parse("accuracy < 0.8"), Alert.parse("loss changes by 0.05")
    assert [threshold.fires(now, before) for now, before in ((0.7, None), (0.7, 0.9), (0.6, 0.7), (0.9, 0.7))] == [
        True, True, False, False]
    assert [change.fires(now, before) for now, before in ((1.0, None), (1.0, 1.04), (1.0, 1.06))] == [
        False, False, True]
