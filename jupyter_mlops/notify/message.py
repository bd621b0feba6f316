"""What a message says, the same facts on every channel: notebook, schedule or batch, status, the failing
step and the first lines of its error (secrets masked), duration, parameters, metrics, fired alerts and a
link to the run's report (the `public_url` setting).

Each channel gets its own form: a subject with plain and HTML bodies (email), Slack's `text` + `blocks`,
and the webhook's JSON (`WebhookPayload`), which a notify command reads on stdin.
"""

from __future__ import annotations

import html
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..config import settings
from ..errors import SecretError
from ..secrets import Masker, get_secret, list_secrets
from .model import (FAILURE_STATUSES, WEBHOOK_EVENTS, PayloadBatch, PayloadRun, PayloadSchedule, WebhookPayload)

#: Lines of an error kept in a message (a traceback's first lines say what failed).
ERROR_LINES = 8

_HEADLINE = {"failure": "failed", "success": "succeeded", "slow": "still running", "alert": "metric alert",
             "batch_done": "batch done", "test": "test message"}


def secrets_masker(run: Any | None = None) -> Masker:
    """Masks the values of the secrets the run was handed (`spec.secrets`, as the engine masks what the run
    writes) and, as a safety net for text that came from elsewhere, every other stored secret's value."""
    names = list((run.spec.secrets or {}).values()) if run is not None else []
    values = []
    for info in list_secrets():
        names.append(info.name)
    for name in dict.fromkeys(names):
        try:
            values.append(get_secret(name))
        except SecretError:  # removed meanwhile: nothing left to mask
            continue
    return Masker(values)


def first_lines(text: str | None, masker: Masker, lines: int = ERROR_LINES) -> str | None:
    if not text:
        return text
    kept = text.strip().splitlines()
    cut = "\n…" if len(kept) > lines else ""
    return masker.text("\n".join(kept[:lines]) + cut)


def link(run_id: str) -> str | None:
    base = settings().public_url
    return f"{base.rstrip('/')}/mlops/api/runs/{run_id}/report.html" if base else None


def _duration(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    minutes, rest = divmod(int(seconds), 60)
    return f"{seconds:.1f} s" if seconds < 60 else f"{minutes} min {rest:02d} s"


@dataclass
class Message:
    event: str
    subject: str
    facts: list[tuple[str, str]]
    payload: WebhookPayload
    error: str | None = None
    attachments: list[tuple[str, bytes]] = field(default_factory=list)  # (file name, HTML bytes)

    @property
    def text(self) -> str:
        lines = [self.subject, ""] + [f"{label}: {value}" for label, value in self.facts]
        if self.error:
            lines += ["", "Error:", self.error]
        return "\n".join(lines) + "\n"

    @property
    def html(self) -> str:
        rows = "".join(f"<tr><th align='left' style='padding-right:1em'>{html.escape(label)}</th>"
                       f"<td>{_html_value(label, value)}</td></tr>" for label, value in self.facts)
        error = f"<h3>Error</h3><pre>{html.escape(self.error)}</pre>" if self.error else ""
        return (f"<html><body><h2>{html.escape(self.subject)}</h2><table>{rows}</table>{error}</body></html>")

    def slack(self) -> dict[str, Any]:
        """Slack's incoming-webhook payload: `text` (the notification line) and `blocks`."""
        fields = [{"type": "mrkdwn", "text": f"*{_slack_escape(label)}*\n{_slack_escape(value)}"}
                  for label, value in self.facts if label != "Link"][:10]  # Slack takes 10 fields at most
        blocks: list[dict[str, Any]] = [
            {"type": "section", "text": {"type": "mrkdwn", "text": f"*{_slack_escape(self.subject)}*"}},
            {"type": "section", "fields": fields}]
        if self.error:
            blocks.append({"type": "section", "text": {"type": "mrkdwn",
                                                       "text": f"```{_slack_escape(self.error)[:2900]}```"}})
        url = self.payload.link
        if url:
            blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": f"<{url}|Open the report>"}]})
        return {"text": self.subject, "blocks": blocks}

    def json_bytes(self) -> bytes:
        return self.payload.model_dump_json().encode()


def _html_value(label: str, value: str) -> str:
    if label == "Link":
        return f"<a href='{html.escape(value, quote=True)}'>{html.escape(value)}</a>"
    return html.escape(value)


def _slack_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _compact(values: dict[str, Any], masker: Masker) -> str:
    return masker.text(", ".join(f"{k}={json.dumps(v, default=str)}" for k, v in values.items())) or "-"


def for_run(event: str, run: Any, *, schedule: Any | None = None, alerts: list[str] | None = None,
            masker: Masker | None = None, report: bytes | None = None) -> Message:
    """A message about a run (a `Run` record): its end, its slowness or its alerts."""
    masker = masker or secrets_masker(run)
    notebook = Path(run.notebook).name
    status = run.status.value
    duration = run.duration
    if duration is None and run.started_at is not None:
        from ..store.runs import now
        duration = (now() - run.started_at).total_seconds()
    where = f" (schedule {schedule.name})" if schedule else (f" (batch {run.batch_id})" if run.batch_id else "")
    headline = _HEADLINE.get(event, event)
    if event in ("failure", "success"):
        headline = status.replace("_", " ")
    subject = f"[jupyter-mlops] {headline}: {notebook}{where}"
    error = first_lines(run.error, masker) if status in FAILURE_STATUSES else None
    facts = [("Notebook", run.notebook)]
    if schedule:
        facts.append(("Schedule", schedule.name))
    if run.batch_id:
        facts.append(("Batch", run.batch_id))
    facts += [("Run", run.id), ("Status", status)]
    if run.failed_step:
        facts.append(("Failing step", run.failed_step))
    facts += [("Duration", _duration(duration) + (" so far" if not run.status.finished else "")),
              ("Parameters", _compact(run.parameters, masker)), ("Metrics", _compact(run.metrics, masker))]
    for alert in alerts or []:
        facts.append(("Alert", alert))
    url = link(run.id)
    if url:
        facts.append(("Link", url))
    payload = WebhookPayload(
        event=WEBHOOK_EVENTS[event], status=status, error=error, alerts=list(alerts or []), link=url,
        schedule=PayloadSchedule(id=schedule.id, name=schedule.name) if schedule else None,
        run=PayloadRun(id=run.id, notebook=run.notebook, status=status, error=error, failed_step=run.failed_step,
                       output_notebook=run.output_notebook, log=run.log_path,
                       started_at=run.started_at and run.started_at.isoformat(),
                       ended_at=run.ended_at and run.ended_at.isoformat(), duration=duration,
                       parameters=masker.value(run.parameters), metrics=masker.value(run.metrics)))
    message = Message(event=event, subject=subject, facts=facts, payload=payload, error=error)
    if report is not None:
        message.attachments.append((f"report-{run.id}.html", report))
    return message


def for_failed_start(schedule: Any, error: str, masker: Masker | None = None) -> Message:
    """A fire whose run could not start (the notebook changed and no longer takes the parameters…)."""
    masker = masker or secrets_masker()
    error = first_lines(error, masker)
    subject = f"[jupyter-mlops] failed to start: {Path(schedule.notebook).name} (schedule {schedule.name})"
    facts = [("Notebook", schedule.notebook), ("Schedule", schedule.name), ("Status", "failed_to_start")]
    payload = WebhookPayload(event="run_failed", status="failed_to_start", error=error,
                             schedule=PayloadSchedule(id=schedule.id, name=schedule.name))
    return Message(event="failure", subject=subject, facts=facts, payload=payload, error=error)


def for_batch(batch: Any, best: dict[str, Any] | None, masker: Masker | None = None) -> Message:
    """A batch's end: runs by status and, with `best_by`, its best run."""
    masker = masker or secrets_masker()
    counts = dict(batch.counts)
    summary = ", ".join(f"{n} {status}" for status, n in sorted(counts.items()))
    subject = f"[jupyter-mlops] batch {batch.status.value}: {Path(batch.notebook).name} ({summary})"
    facts = [("Notebook", batch.notebook), ("Batch", batch.id), ("Status", batch.status.value),
             ("Runs", summary or "-"), ("Duration", _duration(batch.duration))]
    if best:
        facts.append(("Best", f"{best['metric']}={best['value']} in run {best['run_id']} "
                              f"({_compact(best['parameters'], masker)})"))
    error = first_lines(batch.error, masker)
    payload = WebhookPayload(event="batch_done", status=batch.status.value, error=error,
                             batch=PayloadBatch(id=batch.id, status=batch.status.value, counts=counts,
                                                best=masker.value(best) if best else None))
    return Message(event="batch_done", subject=subject, facts=facts, payload=payload, error=error)


def for_test(schedule: Any) -> Message:
    subject = f"[jupyter-mlops] test message: {Path(schedule.notebook).name} (schedule {schedule.name})"
    facts = [("Notebook", schedule.notebook), ("Schedule", schedule.name),
             ("Why", "sent by `jupyter-mlops notify test`: this schedule's channels work")]
    payload = WebhookPayload(event="test", status="test",
                             schedule=PayloadSchedule(id=schedule.id, name=schedule.name))
    return Message(event="test", subject=subject, facts=facts, payload=payload)
