"""`jupyter-mlops notify test SCHEDULE`: a test message through a schedule's channels, and how each went."""

from __future__ import annotations

import sys

import click

from ..service import schedules as service
from .common import delivery_line, example


@click.group("notify", epilog=example("jupyter-mlops notify test nightly"))
def notify_group() -> None:
    """Check the channels (email, Slack, webhook, command) schedules tell through."""


@notify_group.command("test", epilog=example("jupyter-mlops notify test nightly"))
@click.argument("schedule")
def test_command(schedule: str) -> None:
    """Send a test message through each channel of SCHEDULE (id or name) now, once; exits 1 if any failed."""
    deliveries = service.test_notify(schedule)
    for delivery in deliveries:
        click.echo(delivery_line(delivery))
    sys.exit(0 if all(delivery.ok for delivery in deliveries) else 1)
