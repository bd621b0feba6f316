"""The channel options of `run`, `batch` and `schedule add|edit`: --email, --slack-secret, --webhook,
--notify-command, --notify-on, --slow-after, --alert (and --best-by for batches)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click

from ..notify.model import EVENTS, Notify, parse_notify
from .common import comma_list


def _events(_ctx: click.Context, _param: click.Parameter, value: str | None) -> list[str] | None:
    if value is None:
        return None
    events = comma_list(value)
    unknown = [event for event in events if event not in EVENTS]
    if unknown or not events:
        raise click.BadParameter(f"{', '.join(unknown) or value!r}: the events are {', '.join(EVENTS)}")
    return events


_OPTIONS = [
    click.option("--email", "notify_email", multiple=True, metavar="ADDRESS",
                 help="Email this address (repeatable), over the SMTP server of the smtp_* settings."),
    click.option("--slack-secret", "notify_slack_secret", metavar="NAME",
                 help="Post to Slack: the name of the secret holding an incoming-webhook URL."),
    click.option("--webhook", "notify_webhook", metavar="URL", help="POST the JSON (WebhookPayload) to this URL."),
    click.option("--notify-command", "notify_command", help="Shell command run with the JSON on stdin."),
    click.option("--notify-on", "notify_events", callback=_events, metavar="EVENTS",
                 help="Comma-separated: failure (default), success, slow, alert."),
    click.option("--slow-after", "notify_slow_after", type=click.FloatRange(min=0, min_open=True), metavar="SECONDS",
                 help="Tell once when a run is still going after this long."),
    click.option("--alert", "notify_alerts", multiple=True, metavar="EXPRESSION",
                 help="'accuracy < 0.8' (crossing a threshold) or 'accuracy changes by 0.05' (from the previous "
                      "run); repeatable."),
]

_BEST_BY = click.option("--best-by", "notify_best_by", metavar="METRIC[:min]",
                        help="batch_done names the best run by this metric (highest; ':min' for lowest).")


def notify_options(command: Callable | None = None, *, batch: bool = False) -> Callable:
    def decorate(function: Callable) -> Callable:
        for option in reversed(_OPTIONS + ([_BEST_BY] if batch else [])):
            function = option(function)
        return function
    return decorate(command) if command is not None else decorate


_FIELDS = {"notify_email": "email", "notify_slack_secret": "slack_secret", "notify_webhook": "webhook",
           "notify_command": "command", "notify_events": "events", "notify_slow_after": "slow_after",
           "notify_alerts": "alerts", "notify_best_by": "best_by"}


def given_notify(options: dict[str, Any]) -> dict[str, Any]:
    """Pop the channel options from a command's options: the Notify fields given (empty: none)."""
    given = {}
    for option, name in _FIELDS.items():
        value = options.pop(option, None)
        if value not in (None, ()):
            given[name] = list(value) if isinstance(value, tuple) else value
    return given


def notify_from(options: dict[str, Any]) -> Notify | None:
    given = given_notify(options)
    return parse_notify(given) if given else None
