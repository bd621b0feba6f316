"""The `jupyter-mlops` command group and what every command shares."""

from __future__ import annotations

import importlib
import json
from typing import Any

import click
from pydantic import BaseModel

from ..errors import MLOpsError
from ..startup import skip_exit_collections, skip_unused_format_checkers


class MLOpsGroup(click.Group):
    """Turns every jupyter-mlops error into one clear line and a non-zero exit.

    Subcommands are imported only when invoked (click's lazy-loading recipe), so
    `jupyter-mlops run` does not pay for importing the docker SDK, Airflow helpers or croniter.
    """

    def __init__(self, *args: Any, lazy_subcommands: dict[str, str] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.lazy_subcommands = lazy_subcommands or {}

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted([*super().list_commands(ctx), *self.lazy_subcommands])

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name in self.lazy_subcommands:
            module_name, attribute = self.lazy_subcommands[name].rsplit(".", 1)
            return getattr(importlib.import_module(module_name), attribute)
        return super().get_command(ctx, name)

    def invoke(self, ctx: click.Context) -> Any:
        skip_unused_format_checkers()  # before a subcommand's imports reach nbformat
        try:
            return super().invoke(ctx)
        except MLOpsError as error:
            raise click.ClickException(f"{type(error).__name__}: {error}") from None
        finally:
            skip_exit_collections()


def example(text: str) -> str:
    """An epilog that click prints verbatim under --help."""
    return "\b\nExample:\n" + "\n".join(f"  {line}" for line in text.strip().splitlines())


@click.group(cls=MLOpsGroup, context_settings={"help_option_names": ["-h", "--help"]},
             lazy_subcommands={
                 "steps": "jupyter_mlops.cli.steps.steps_command",
                 "run": "jupyter_mlops.cli.run.run_command",
                 "runs": "jupyter_mlops.cli.runs.runs_group",
                 "export": "jupyter_mlops.cli.export.export_group",
                 "schedule": "jupyter_mlops.cli.schedule.schedule_group",
                 "scheduler": "jupyter_mlops.cli.schedule.scheduler_command",
                 "image": "jupyter_mlops.cli.image.image_group",
                 "batch": "jupyter_mlops.cli.batch.batch_group",
                 "config": "jupyter_mlops.cli.config.config_command",
                 "notify": "jupyter_mlops.cli.notify.notify_group",
                 "secret": "jupyter_mlops.cli.secret.secret_group",
             },
             epilog=example("jupyter-mlops run example_notebooks/train_evaluate.ipynb -p n_estimators 50"))
@click.version_option(package_name="jupyter-mlops")
def main() -> None:
    """Turn notebooks into production pipelines: steps, runs, schedules and batches."""


def echo_json(value: Any) -> None:
    if isinstance(value, BaseModel):
        value = value.model_dump(mode="json")
    elif isinstance(value, list):
        value = [v.model_dump(mode="json") if isinstance(v, BaseModel) else v for v in value]
    click.echo(json.dumps(value, indent=2, default=str))


def comma_list(text: str) -> list[str]:
    """The non-empty, stripped parts of a comma-separated option ("a, b," → ["a", "b"])."""
    return [part.strip() for part in text.split(",") if part.strip()]


def format_duration(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    if seconds < 60:
        return f"{seconds:.1f}s"
    minutes, seconds = divmod(int(seconds), 60)
    return f"{minutes}m{seconds:02d}s" if minutes < 60 else f"{minutes // 60}h{minutes % 60:02d}m"


def delivery_line(delivery: Any) -> str:
    """One notification attempt: when, which event, channel and target, and how it went."""
    outcome = "sent" if delivery.ok else f"FAILED: {delivery.error}"
    retry = f" (attempt {delivery.attempt})" if delivery.attempt > 1 else ""
    return f"{delivery.at:%Y-%m-%d %H:%M:%S} {delivery.event} → {delivery.channel} {delivery.to}{retry}: {outcome}"
