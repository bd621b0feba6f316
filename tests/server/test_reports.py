"""Reports, metric history and a run's channels through the API, on a real server and kernel."""

from __future__ import annotations

import asyncio
import json

from tornado.httpclient import HTTPClientError

from tests.schedule.conftest import Receiver

RECORDS = [("accuracy = 0.9", ["parameters"]),
           "import jupyter_mlops\njupyter_mlops.record('accuracy', accuracy)\n"
           "from IPython.display import HTML\nHTML('<script>window.parent.stolen = document.cookie</script><b>bold</b>')"]


async def test_a_run_with_a_webhook_its_sandboxed_report_and_the_metric_history(api, notebook, wait_for_run,
                                                                                jp_fetch):
    receiver = Receiver()
    try:
        path = notebook(RECORDS, name="model.ipynb")
        status, run = await api("POST", "runs", {"path": path, "parameters": {"accuracy": 0.7},
                                                 "notify": {"webhook": f"{receiver.base}/hook",
                                                            "events": ["success"], "alerts": ["accuracy < 0.8"]}})
        assert status == 201, run
        run = await wait_for_run(run["id"])
        assert run["status"] == "succeeded", run["error"]
        # The worker tells after recording the end, then exits: both deliveries land on the run.
        for _ in range(300):
            if len(run["notifications"]) == 2:
                break
            await asyncio.sleep(0.2)
            _, run = await api("GET", f"runs/{run['id']}")
        assert sorted((d["event"], d["channel"], d["ok"]) for d in run["notifications"]) == [
            ("alert", "webhook", True), ("success", "webhook", True)]
        assert {body["event"] for body in receiver.bodies()} == {"run_succeeded", "metric_alert"}
    finally:
        receiver.close()

    response = await jp_fetch("mlops", "api", "runs", run["id"], "report.html")
    page = response.body.decode()
    assert response.headers["Content-Type"] == "text/html; charset=utf-8"
    policy = response.headers["Content-Security-Policy"]
    assert policy.startswith("sandbox;") and "script-src" not in policy and "default-src 'none'" in policy
    assert "<b>bold</b>" in page and '<div class="jp-InputArea' in page  # outputs, and the code
    response = await jp_fetch("mlops", "api", "runs", run["id"], "report.html", params={"no_input": "true"})
    assert "<b>bold</b>" in response.body.decode() and '<div class="jp-InputArea' not in response.body.decode()

    status, history = await api("GET", "metrics", notebook=path)
    assert status == 200 and history["numeric"] == ["accuracy"]
    assert [(p["run_id"], p["status"], p["metrics"]) for p in history["points"]] == [
        (run["id"], "succeeded", {"accuracy": 0.7})]


async def test_refusals(api, notebook, jp_fetch):
    path = notebook(RECORDS, name="model.ipynb")
    status, error = await api("POST", "runs", {"path": path, "notify": {"command": "touch /tmp/x"}})
    assert status == 400 and error["field"] == "notify.command"
    status, error = await api("POST", "batches", {"notebook": path, "points": [{}],
                                                  "notify": {"command": "touch /tmp/x"}})
    assert status == 400 and error["field"] == "notify.command"
    status, error = await api("POST", "runs", {"path": path, "notify": {"email": ["nobody"]}})
    assert status == 400 and error["field"] == "notify.email", error
    status, error = await api("GET", "metrics")
    assert status == 400 and "schedule_id or notebook" in error["message"]
    status, error = await api("GET", "metrics", schedule_id="nope")
    assert status == 404
    try:
        await jp_fetch("mlops", "api", "runs", "nope", "report.html")
    except HTTPClientError as error:
        assert error.code == 404 and json.loads(error.response.body)["error"] == "RunNotFoundError"
