"""When to tell: the events of runs, schedules and batches, each turned into a message and sent off the
caller's thread (the scheduler loop, a worker, a batch), its delivery attempts recorded on the run or batch.

- `failure`: a run that ended failed, timed_out, lost or check_failed, or a fire that could not start;
- `success`: a run that succeeded (on request);
- `slow`: a run still going `slow_after` seconds after it started, once, while it runs;
- `alert`: a recorded metric crossed a threshold (this run is past it, the previous run was not) or moved
  more than a tolerance from the previous run's value (previous: the latest earlier run of the same
  schedule, else of the same notebook, that recorded it);
- `batch_done`: a batch ended, with its runs by status and its best run.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from ..errors import NotifyError, ReportError
from ..report import keep_report, render_report
from ..run.model import Run, RunStatus
from ..store import runs as run_store
from . import message as messages
from .delivery import Recorder, Sending, deliver_now, send
from .model import FAILURE_STATUSES, Alert, Delivery, Notify, number

log = logging.getLogger("jupyter_mlops.notify")

#: Earlier runs looked at for an alert's previous value.
PREVIOUS_RUNS = 200


def record_on_run(run_id: str) -> Recorder:
    def record(delivery: Delivery) -> None:
        run_store.update_run(run_id, lambda run: run.notifications.append(delivery))
    return record


def record_on_batch(batch_id: str) -> Recorder:
    from ..batch import store as batch_store

    def record(delivery: Delivery) -> None:
        batch_store.update_batch(batch_id, lambda batch: batch.notifications.append(delivery))
    return record


def _logged(what: str) -> Recorder:
    def record(delivery: Delivery) -> None:
        level = logging.INFO if delivery.ok else logging.WARNING
        log.log(level, "%s: %s to %s %s", what, delivery.channel, delivery.to,
                "sent" if delivery.ok else f"failed: {delivery.error}")
    return record


def _in_thread(target: Callable[..., None], *args: Any) -> Sending:
    def guarded() -> None:
        try:
            target(*args)
        except Exception:  # nothing here may reach the caller: a run or a loop never pays for a message
            log.exception("notification failed")
    thread = threading.Thread(target=guarded, name="jupyter-mlops-tell", daemon=True)
    thread.start()
    return Sending([thread])


def end_event(status: RunStatus | str) -> str | None:
    value = status.value if isinstance(status, RunStatus) else status
    if value == RunStatus.succeeded.value:
        return "success"
    return "failure" if value in FAILURE_STATUSES else None  # a cancelled run is nobody's surprise


def run_finished(run: Run, notify: Notify | None, *, schedule: Any | None = None, keep_html: bool = False,
                 final: bool = True) -> Sending:
    """After a run ended: keep its HTML report (`keep_html`), send `failure`/`success` (unless a retry
    follows: `final=False`) and the alerts its metrics fire. Returns at once."""
    if not keep_html and not (notify and notify.channels()):
        return Sending()
    return _in_thread(_run_finished, run, notify, schedule, keep_html, final)


def _run_finished(run: Run, notify: Notify | None, schedule: Any | None, keep_html: bool, final: bool) -> None:
    kept = None
    if keep_html:
        try:
            kept = keep_report(run.run_dir, run.output_notebook, title=f"{run.id} ({run.status.value})")
        except (ReportError, OSError) as error:
            log.warning("run %s: no HTML report: %s", run.id, error)
    if notify is None:
        return
    masker = messages.secrets_masker(run)
    sending = Sending()
    event = end_event(run.status) if final else None
    if event and notify.wants(event):
        report = None
        if notify.email:  # the email carries the report
            try:
                report = kept.read_bytes() if kept else render_report(run.output_notebook,
                                                                        title=run.id).encode()
            except (ReportError, OSError) as error:
                log.warning("run %s: the email goes without its report: %s", run.id, error)
        sending.add(send(notify, messages.for_run(event, run, schedule=schedule, masker=masker, report=report),
                         record_on_run(run.id)))
    if notify.wants("alert"):
        fired, problems = evaluate_alerts(run, notify.parsed_alerts())
        record = record_on_run(run.id)
        for problem, alert in problems:
            record(Delivery(event="alert", channel="alert", to=str(alert), at=run_store.now(), ok=False,
                            error=problem))
        if fired:
            sending.add(send(notify, messages.for_run("alert", run, schedule=schedule, alerts=fired, masker=masker),
                             record))
    sending.join()


def _previous_values(run: Run, metrics: set[str]) -> dict[str, float]:
    """For each metric, its value in the latest earlier run of the same schedule (else notebook) that has it."""
    if run.schedule_id:
        earlier, _ = run_store.list_runs(schedule_id=run.schedule_id, limit=PREVIOUS_RUNS)
    else:
        earlier, _ = run_store.list_runs(notebook=run.notebook, limit=PREVIOUS_RUNS)
    found: dict[str, float] = {}
    for other in earlier:  # newest first
        if other.id == run.id or other.created_at >= run.created_at or not other.status.finished:
            continue
        for name in metrics - found.keys():
            value = number(other.metrics.get(name))
            if value is not None:
                found[name] = value
        if found.keys() == metrics:
            break
    return found


def evaluate_alerts(run: Run, alerts: list[Alert]) -> tuple[list[str], list[tuple[str, Alert]]]:
    """The alerts this run fires (each with its values), and the ones it cannot judge (with why)."""
    wanted = [alert for alert in alerts if alert.metric in run.metrics]
    previous = _previous_values(run, {alert.metric for alert in wanted})
    fired, problems = [], []
    for alert in wanted:
        current = number(run.metrics[alert.metric])
        if current is None:
            problems.append((f"alert {alert}: metric {alert.metric} is {run.metrics[alert.metric]!r}, not a number",
                             alert))
            continue
        before = previous.get(alert.metric)
        if alert.fires(current, before):
            fired.append(f"{alert}: now {current:g}" + (f", previous run {before:g}" if before is not None else ""))
    return fired, problems


def slow_due(run: Run, notify: Notify | None, now: float) -> bool:
    """A running run past its `slow_after` that has not been reported slow yet."""
    if notify is None or not notify.wants("slow") or run.status != RunStatus.running or run.started_at is None:
        return False
    if any(delivery.event == "slow" for delivery in run.notifications):
        return False
    return now - run.started_at.timestamp() >= notify.slow_after


def run_slow(run: Run, notify: Notify, *, schedule: Any | None = None) -> Sending:
    return _in_thread(lambda: send(notify, messages.for_run("slow", run, schedule=schedule),
                                   record_on_run(run.id)).join())


def failed_to_start(schedule: Any, error: str) -> Sending:
    """A fire whose run could not be recorded: there is no run to keep the attempts on, so they are logged."""
    notify: Notify | None = schedule.notify
    if notify is None or not notify.wants("failure"):
        return Sending()
    return _in_thread(lambda: send(notify, messages.for_failed_start(schedule, error),
                                   _logged(f"schedule {schedule.name}")).join())


def best_run(batch: Any, best_by: str | None) -> dict[str, Any] | None:
    """The batch's best run by `best_by` ('accuracy': highest; 'loss:min': lowest), among runs with a number."""
    if not best_by:
        return None
    from ..batch.results import results_table

    metric, _, direction = best_by.partition(":")
    rows = [(number(row.metrics.get(metric)), row) for row in results_table(batch).rows]
    rows = [(value, row) for value, row in rows if value is not None]
    if not rows:
        return None
    value, row = (min if direction == "min" else max)(rows, key=lambda pair: pair[0])
    return {"run_id": row.run_id, "metric": metric, "value": value, "parameters": row.parameters}


def batch_done(batch: Any) -> Sending:
    """A batch ended: one `batch_done` message on its channels."""
    notify: Notify | None = batch.spec.notify
    if notify is None or not notify.channels():
        return Sending()

    def tell() -> None:
        message = messages.for_batch(batch, best_run(batch, notify.best_by))
        send(notify, message, record_on_batch(batch.id)).join()
    return _in_thread(tell)


def test_channels(schedule: Any) -> list[Delivery]:
    """One test message on each of the schedule's channels, now, one attempt each."""
    notify: Notify | None = schedule.notify
    if notify is None or not notify.channels():
        raise NotifyError(f"schedule {schedule.name!r} has no channels: add --email, --slack-secret, --webhook "
                         "or --notify-command with `schedule edit`")
    return deliver_now(notify, messages.for_test(schedule), _logged(f"schedule {schedule.name} test"))


def execute_notified(run: Run, execute: Callable[[], Run]) -> Run:
    """Execute a single run (`execute` returns its finished record) and tell its `spec.notify` channels:
    `slow` from a timer while it runs, then the end and the alerts. Waits for the deliveries, so a worker
    process that exits after this has sent everything."""
    notify = run.spec.notify
    if notify is None or not notify.channels():
        return execute()
    sending = Sending()
    timer = None
    if notify.wants("slow"):
        def slow_check() -> None:
            current = run_store.get_run(run.id)
            if current.status == RunStatus.running:
                sending.add(run_slow(current, notify))
        timer = threading.Timer(notify.slow_after, slow_check)
        timer.daemon = True
        timer.start()
    try:
        finished = execute()
    finally:
        if timer is not None:
            timer.cancel()
    sending.add(run_finished(finished, notify))
    sending.join()
    return run_store.get_run(finished.id)
