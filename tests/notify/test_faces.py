"""The CLI's channel commands and options, a batch's batch_done, and webhooks that answer errors."""

from __future__ import annotations

import json

from click.testing import CliRunner

from jupyter_mlops.batch.model import BatchSpec
from jupyter_mlops.cli import main
from jupyter_mlops.notify.delivery import deliver_channel
from jupyter_mlops.notify.message import for_test
from jupyter_mlops.notify.model import Notify
from jupyter_mlops.service import schedules as service
from jupyter_mlops.service.batches import get_batch, start_batch

from ..waiting import wait_for
from .conftest import closed_port


def cli(*arguments: str):
    return CliRunner().invoke(main, list(arguments), catch_exceptions=False)


def test_notify_test_sends_through_each_channel_and_says_how_it_went(model_notebook, receiver):
    added = cli("schedule", "add", str(model_notebook), "--cron", "0 3 * * *", "--name", "nightly",
                "--webhook", f"{receiver.base}/hook", "--notify-on", "failure,success", "--alert", "accuracy < 0.8",
                "--slow-after", "600", "--report", "html")
    assert added.exit_code == 0, added.output
    made = service.get_schedule("nightly")
    assert made.report == "html"
    assert made.notify.events == ["failure", "success", "slow", "alert"] and made.notify.slow_after == 600
    result = cli("notify", "test", "nightly")
    assert result.exit_code == 0 and f"test → webhook {receiver.base}/hook: sent" in result.output
    [body] = receiver.bodies()
    assert body["event"] == "test" and body["schedule"]["name"] == "nightly"

    dead = f"http://127.0.0.1:{closed_port()}/hook"
    assert cli("schedule", "edit", "nightly", "--webhook", dead).exit_code == 0
    result = cli("notify", "test", "nightly")
    assert result.exit_code == 1 and "FAILED: webhook" in result.output and "refused" in result.output


def test_bad_options_are_one_clear_line(model_notebook):
    result = CliRunner().invoke(main, ["run", str(model_notebook), "--email", "nobody"])
    assert result.exit_code == 1 and "NotifyError: invalid notify: email: 'nobody' is not an email address" in (
        result.output)
    result = CliRunner().invoke(main, ["run", str(model_notebook), "--notify-on", "always"])
    assert result.exit_code == 2 and "the events are failure, success, slow, alert, batch_done" in result.output


def test_a_batch_tells_batch_done_with_its_best_run_then_reports_and_metric_history(model_notebook, receiver,
                                                                                     tmp_path):
    spec = BatchSpec(notebook=str(model_notebook), points=[{"accuracy": 0.7}, {"accuracy": 0.95}, {"fail": True}],
                     parallel=2, notify=Notify(webhook=f"{receiver.base}/hook", best_by="accuracy"))
    batch = start_batch(spec, wait=True)
    [body] = receiver.bodies()
    assert body["event"] == "batch_done" and body["status"] == "failed"
    assert body["batch"]["counts"] == {"failed": 1, "succeeded": 2}
    best = body["batch"]["best"]
    assert best["value"] == 0.95 and best["parameters"] == {"accuracy": 0.95}
    [delivery] = get_batch(batch.id).notifications
    assert (delivery.event, delivery.ok) == ("batch_done", True)

    best_run = best["run_id"]
    report = tmp_path / "report.html"
    result = cli("runs", "report", best_run, "-o", str(report), "--no-input")
    assert result.exit_code == 0 and "<html" in report.read_text() and '<div class="jp-InputArea' not in (
        report.read_text())
    result = cli("runs", "metrics", "--notebook", str(model_notebook), "--metric", "accuracy", "--format", "csv")
    lines = result.output.splitlines()
    assert lines[0] == "at,run_id,status,accuracy" and len(lines) == 4
    assert sorted(line.split(",")[2:] for line in lines[1:]) == [
        ["failed", "0.9"], ["succeeded", "0.7"], ["succeeded", "0.95"]]  # the failure recorded before raising
    history = json.loads(cli("runs", "metrics", "--notebook", str(model_notebook), "--format", "json").output)
    assert history["metrics"] == ["accuracy", "label"] and len(history["points"]) == 3
    assert cli("runs", "show", batch.run_ids[0]).exit_code == 0


def test_a_webhook_answering_500_is_retried_and_a_404_is_not(model_notebook, receiver):
    made = service.add_schedule({"notebook": str(model_notebook), "cron": "0 3 * * *", "name": "hooked",
                                 "notify": {"webhook": f"{receiver.base}/hook"}})
    recorded = []
    receiver.status = 500
    last = deliver_channel("webhook", made.notify.webhook, made.notify, for_test(made), recorded.append)
    assert not last.ok and [(d.attempt, d.error) for d in recorded] == [
        (n, f"webhook {receiver.base}/hook: HTTP 500 Internal Server Error") for n in (1, 2, 3)]
    assert len(receiver.bodies()) == 3
    receiver.status = 404
    recorded.clear()
    deliver_channel("webhook", made.notify.webhook, made.notify, for_test(made), recorded.append)
    assert [d.attempt for d in recorded] == [1]
    wait_for(lambda: len(receiver.bodies()) == 4, 5, "the fourth request")
