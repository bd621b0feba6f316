"""Tell someone a scheduled run ended: a JSON POST to a webhook and/or a shell command.

Delivery happens on a thread of its own so a slow endpoint never delays a fire; a failed
delivery is logged, never retried, and never affects the run or the schedule.
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import threading
import urllib.error
import urllib.request
from typing import Any

from ..run.model import Run, RunStatus
from .model import Notify

log = logging.getLogger("jupyter_mlops.scheduler")

WEBHOOK_TIMEOUT = 10.0
COMMAND_TIMEOUT = 60.0


def wanted(notify: Notify | None, status: RunStatus | None) -> bool:
    """Failures always (a run that did not succeed, or could not start); successes on request."""
    if notify is None or not (notify.webhook or notify.command):
        return False
    return status != RunStatus.succeeded or notify.on_success


def payload(schedule_id: str, schedule_name: str, run: Run | None, error: str | None = None) -> dict[str, Any]:
    status = run.status.value if run else "failed_to_start"
    event = "run_succeeded" if run and run.status == RunStatus.succeeded else "run_failed"
    body: dict[str, Any] = {"event": event, "status": status, "schedule": {"id": schedule_id, "name": schedule_name},
                            "error": run.error if run else error, "run": None}
    if run is not None:
        body["run"] = {"id": run.id, "notebook": run.notebook, "status": status, "error": run.error,
                       "failed_step": run.failed_step, "output_notebook": run.output_notebook,
                       "log": run.log_path, "started_at": run.started_at and run.started_at.isoformat(),
                       "ended_at": run.ended_at and run.ended_at.isoformat()}
    return body


def deliver(notify: Notify, body: dict[str, Any]) -> None:
    """Send now, in this thread."""
    data = json.dumps(body).encode()
    if notify.webhook:
        request = urllib.request.Request(notify.webhook, data=data, method="POST",
                                         headers={"Content-Type": "application/json",
                                                  "User-Agent": "jupyter-mlops-scheduler"})
        try:
            with urllib.request.urlopen(request, timeout=WEBHOOK_TIMEOUT) as response:
                response.read()
        except (urllib.error.URLError, OSError) as error:
            log.warning("webhook %s for schedule %s failed: %s", notify.webhook, body["schedule"]["name"], error)
    if notify.command:
        run = body["run"] or {}
        env = {**os.environ, "MLOPS_EVENT": body["event"], "MLOPS_STATUS": body["status"],
               "MLOPS_SCHEDULE": body["schedule"]["name"], "MLOPS_RUN_ID": run.get("id") or ""}
        try:
            result = subprocess.run(notify.command, shell=True, input=data, env=env, timeout=COMMAND_TIMEOUT,
                                    stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        except subprocess.TimeoutExpired:
            log.warning("notify command of schedule %s timed out", body["schedule"]["name"])
            return
        if result.returncode:
            log.warning("notify command of schedule %s exited %s: %s", body["schedule"]["name"],
                        result.returncode, result.stderr.decode(errors="replace")[-500:])


def send(notify: Notify, body: dict[str, Any]) -> threading.Thread:
    thread = threading.Thread(target=deliver, args=(notify, body), name="jupyter-mlops-notify", daemon=True)
    thread.start()
    return thread
