"""Delivery that never hurts a run: every channel in a thread of its own, retried with backoff while the
failure may pass, each attempt handed to a recorder (which keeps it on the run or the batch).

Nothing here raises: a failed delivery is a recorded `Delivery` with `ok=False` and the error.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from ..config import settings
from ..errors import DeliveryError
from ..store.runs import now
from .channels import run_command, send_email, send_slack, send_webhook
from .message import Message
from .model import Delivery, Notify

log = logging.getLogger("jupyter_mlops.notify")

Recorder = Callable[[Delivery], None]


class Sending:
    """Deliveries under way; `join` waits for all of them (a worker process does before it exits)."""

    def __init__(self, threads: list[threading.Thread] | None = None) -> None:
        self.threads = threads or []

    def add(self, other: Sending) -> None:
        self.threads += other.threads

    def join(self, timeout: float | None = None) -> None:
        deadline = None if timeout is None else time.monotonic() + timeout
        for thread in self.threads:
            thread.join(None if deadline is None else max(0.0, deadline - time.monotonic()))


def _send_once(channel: str, notify: Notify, message: Message) -> None:
    if channel == "email":
        send_email(message, notify.email)
    elif channel == "slack":
        send_slack(message, notify.slack_secret)
    elif channel == "webhook":
        send_webhook(message, notify.webhook)
    else:
        run_command(message, notify.command)


def deliver_channel(channel: str, to: str, notify: Notify, message: Message, record: Recorder,
                    *, attempts: int | None = None) -> Delivery:
    """Send on one channel, retrying transient failures; every attempt is recorded. Returns the last."""
    config = settings()
    attempts = attempts or max(1, config.notify_attempts)
    delay = config.notify_backoff
    for attempt in range(1, attempts + 1):
        try:
            _send_once(channel, notify, message)
            outcome = Delivery(event=message.event, channel=channel, to=to, at=now(), attempt=attempt, ok=True)
        except DeliveryError as error:
            outcome = Delivery(event=message.event, channel=channel, to=to, at=now(), attempt=attempt, ok=False,
                               error=str(error))
            retry = error.transient and attempt < attempts
            log.warning("%s delivery of %s (attempt %d of %d) failed: %s%s", channel, message.event, attempt,
                        attempts, error, f"; retrying in {delay:g} s" if retry else "")
        except Exception as error:  # a bug must not lose the record of the attempt
            outcome = Delivery(event=message.event, channel=channel, to=to, at=now(), attempt=attempt, ok=False,
                               error=f"{type(error).__name__}: {error}")
            retry = False
            log.exception("%s delivery of %s failed", channel, message.event)
        try:
            record(outcome)
        except Exception:  # the run was deleted meanwhile…: the delivery itself still counts
            log.exception("could not record the %s delivery of %s", channel, message.event)
        if outcome.ok or not retry:
            return outcome
        time.sleep(delay)
        delay *= 2
    return outcome


def send(notify: Notify, message: Message, record: Recorder) -> Sending:
    """Deliver on every channel of `notify`, each in a thread; returns at once."""
    threads = [threading.Thread(target=deliver_channel, args=(channel, to, notify, message, record),
                                name=f"jupyter-mlops-notify-{channel}", daemon=True)
               for channel, to in notify.channels()]
    for thread in threads:
        thread.start()
    return Sending(threads)


def deliver_now(notify: Notify, message: Message, record: Recorder, *, attempts: int = 1) -> list[Delivery]:
    """Deliver on every channel in this thread (`notify test`): one attempt each by default."""
    return [deliver_channel(channel, to, notify, message, record, attempts=attempts)
            for channel, to in notify.channels()]
