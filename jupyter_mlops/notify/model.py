"""What to tell, whom, and when (`Notify`), what was sent (`Delivery`) and the webhook's JSON (`WebhookPayload`).

`Notify` is part of schedules, batches and single runs alike (the API's contract and a schedules file's
`notify:` entry), so everything in it is checked when the schedule, batch or run is made: the addresses,
the Slack secret's name, the events, the alert expressions.
"""

from __future__ import annotations

import math
import operator
import re
from datetime import datetime
from email.utils import parseaddr
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from ..errors import NotifyError

Event = Literal["failure", "success", "slow", "alert", "batch_done"]
EVENTS: tuple[str, ...] = ("failure", "success", "slow", "alert", "batch_done")

#: Run statuses the `failure` event is about (and a fire whose run could not even start).
FAILURE_STATUSES = frozenset({"failed", "timed_out", "lost", "check_failed", "failed_to_start"})

#: The webhook JSON's `event` for each event (the first two are what schedules always sent).
WEBHOOK_EVENTS = {"failure": "run_failed", "success": "run_succeeded", "slow": "run_slow", "alert": "metric_alert",
                  "batch_done": "batch_done", "test": "test"}

_ADDRESS = re.compile(r"^[^@\s<>,;]+@[^@\s<>,;]+\.[^@\s<>,;.]+$")
_SECRET_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]{0,127}$")
_METRIC = r"(?P<metric>[A-Za-z_][\w.\-/]*)"
_NUMBER = r"(?P<value>[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?)"
_THRESHOLD = re.compile(rf"^\s*{_METRIC}\s*(?P<op><=|>=|==|!=|<|>)\s*{_NUMBER}\s*$")
_CHANGE = re.compile(rf"^\s*{_METRIC}\s+changes\s+by\s+(more\s+than\s+)?{_NUMBER}\s*$", re.IGNORECASE)
_COMPARE = {"<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge, "==": operator.eq,
            "!=": operator.ne}


class Alert(BaseModel):
    """`accuracy < 0.8` (the metric crosses a threshold) or `accuracy changes by 0.05` (it moves more than
    that from the previous run's value)."""

    model_config = ConfigDict(frozen=True)

    metric: str
    op: Literal["<", "<=", ">", ">=", "==", "!=", "changes by"]
    value: float

    @classmethod
    def parse(cls, text: str) -> Alert:
        found = _THRESHOLD.match(text) or _CHANGE.match(text)
        if found is None:
            raise NotifyError(f"alert {text!r} is not understood: write 'METRIC < NUMBER' (or <=, >, >=, ==, !=) "
                              "or 'METRIC changes by NUMBER', e.g. 'accuracy < 0.8'")
        op = found.groupdict().get("op") or "changes by"
        value = float(found["value"])
        if op == "changes by" and value < 0:
            raise NotifyError(f"alert {text!r}: the change must be a positive number")
        return cls(metric=found["metric"], op=op, value=value)

    def __str__(self) -> str:
        return f"{self.metric} {self.op} {self.value:g}"

    def _bad(self, value: float) -> bool:
        return _COMPARE[self.op](value, self.value)

    def fires(self, current: float, previous: float | None) -> bool:
        """A threshold fires on the run that crosses it (this run is past it, the previous one was not),
        so a metric that stays bad alerts once; a change fires whenever it moved more than the tolerance."""
        if self.op == "changes by":
            return previous is not None and abs(current - previous) > self.value
        return self._bad(current) and (previous is None or not self._bad(previous))


def number(value: Any) -> float | None:
    """A recorded metric as a number, or None when it is not one (text, a list, NaN)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    value = float(value)
    return None if math.isnan(value) else value


class Notify(BaseModel):
    """Channels (email, Slack, a webhook, a command) and the events that use them."""

    model_config = ConfigDict(extra="forbid")

    email: list[str] = Field(default_factory=list, description="Addresses that get an email (SMTP settings)")
    slack_secret: str | None = Field(default=None, description="Name of the secret holding a Slack incoming "
                                                               "webhook URL (the URL is a credential)")
    webhook: str | None = Field(default=None, pattern=r"^https?://",
                                description="URL that receives a JSON POST (WebhookPayload)")
    command: str | None = Field(default=None, description="Shell command run with the same JSON on stdin "
                                                          "(CLI and schedules files only)")
    events: list[Event] = Field(default_factory=lambda: ["failure"],
                                description="failure (failed, timed_out, lost, check_failed, failed to start), "
                                            "success, slow, alert; batches send batch_done when they end")
    slow_after: float | None = Field(default=None, gt=0, description="Seconds after which a still-running run "
                                                                      "sends `slow`, once")
    alerts: list[str] = Field(default_factory=list, description="'METRIC < NUMBER' (<=, >, >=, ==, != too) or "
                                                                "'METRIC changes by NUMBER'")
    best_by: str | None = Field(default=None, pattern=r"^[^:]+(:(max|min))?$",
                                description="A batch's batch_done names the best run by this metric "
                                            "('accuracy', highest first; 'loss:min', lowest first)")

    @model_validator(mode="before")
    @classmethod
    def _legacy_on_success(cls, data: Any) -> Any:
        # Schedules made before `events` existed said `on_success: true`.
        if isinstance(data, dict) and "on_success" in data:
            data = dict(data)
            wanted = list(data.get("events") or ["failure"])
            if data.pop("on_success") and "success" not in wanted:
                wanted.append("success")
            data["events"] = wanted
        return data

    @field_validator("email")
    @classmethod
    def _addresses(cls, values: list[str]) -> list[str]:
        for value in values:
            _, address = parseaddr(value)
            if not _ADDRESS.match(address or "") or address != value.strip():
                raise ValueError(f"{value!r} is not an email address (name@domain)")
        return [value.strip() for value in values]

    @field_validator("slack_secret")
    @classmethod
    def _secret_name(cls, value: str | None) -> str | None:
        if value is not None and not _SECRET_NAME.match(value):
            raise ValueError(f"{value!r} is not a secret name (letters, digits, '_', '.', '-'); give the name of "
                             "the secret holding the Slack URL, never the URL")
        return value

    @field_validator("alerts")
    @classmethod
    def _alerts_parse(cls, values: list[str]) -> list[str]:
        for value in values:
            try:
                Alert.parse(value)
            except NotifyError as error:
                raise ValueError(str(error)) from None
        return values

    @model_validator(mode="after")
    def _events_need_their_settings(self) -> Notify:
        self.events = list(dict.fromkeys(self.events))
        # An option that says when implies the event: --slow-after 600 alone means "tell me".
        if self.slow_after is not None and "slow" not in self.events:
            self.events.append("slow")
        if self.alerts and "alert" not in self.events:
            self.events.append("alert")
        if "slow" in self.events and self.slow_after is None:
            raise ValueError("the slow event needs slow_after (seconds)")
        if "alert" in self.events and not self.alerts:
            raise ValueError("the alert event needs at least one alert expression")
        return self

    def channels(self) -> list[tuple[str, str]]:
        """(channel, target) pairs: what a delivery record names (never a secret's value)."""
        found = []
        if self.email:
            found.append(("email", ", ".join(self.email)))
        if self.slack_secret:
            found.append(("slack", f"secret {self.slack_secret}"))
        if self.webhook:
            found.append(("webhook", self.webhook))
        if self.command:
            found.append(("command", self.command))
        return found

    def wants(self, event: str) -> bool:
        return bool(self.channels()) and event in self.events

    def parsed_alerts(self) -> list[Alert]:
        return [Alert.parse(text) for text in self.alerts]


class Delivery(BaseModel):
    """One attempt to deliver one message on one channel."""

    event: str = Field(description="failure, success, slow, alert, batch_done or test")
    channel: str = Field(description="email, slack, webhook, command; `alert` for an alert that could not be judged")
    to: str = Field(description="The addresses, the Slack secret's name, the URL or the command")
    at: datetime
    attempt: int = Field(default=1, description="1 for the first try, then each retry")
    ok: bool
    error: str | None = None


class PayloadSchedule(BaseModel):
    id: str
    name: str


class PayloadBatch(BaseModel):
    id: str
    status: str
    counts: dict[str, int] = Field(description="Runs by status")
    best: dict[str, Any] | None = Field(default=None, description="The best run by `best_by`: run_id, metric, "
                                                                  "value, parameters")


class PayloadRun(BaseModel):
    id: str
    notebook: str
    status: str
    error: str | None = Field(description="The first lines of the error, secrets masked")
    failed_step: str | None
    output_notebook: str
    log: str
    started_at: str | None
    ended_at: str | None
    duration: float | None = Field(description="Seconds, so far for a slow run")
    parameters: dict[str, Any]
    metrics: dict[str, Any]


class WebhookPayload(BaseModel):
    """The JSON a webhook receives (and a notify command on stdin)."""

    event: Literal["run_failed", "run_succeeded", "run_slow", "metric_alert", "batch_done", "test"]
    status: str = Field(description="The run's status, `failed_to_start`, or the batch's")
    schedule: PayloadSchedule | None = None
    batch: PayloadBatch | None = None
    error: str | None = None
    run: PayloadRun | None = None
    alerts: list[str] = Field(default_factory=list, description="The alerts that fired, with the values")
    link: str | None = Field(default=None, description="The run's report in JupyterLab (public_url setting)")


def parse_notify(data: dict[str, Any], where: str = "notify") -> Notify:
    """A `Notify` from a dict (CLI options, a request), pydantic's complaints as one `NotifyError`."""
    from pydantic import ValidationError

    try:
        return Notify.model_validate(data)
    except ValidationError as error:
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc']) or where}: {e['msg'].removeprefix('Value error, ')}"
                             for e in error.errors())
        raise NotifyError(f"invalid {where}: {problems}") from None
