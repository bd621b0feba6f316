"""The `jupyter-mlops` command group and what every command shares."""

from __future__ import annotations

import json
from typing import Any

import click
from pydantic import BaseModel

from ..errors import MLOpsError


class MLOpsGroup(click.Group):
    """Turns every jupyter-mlops error into one clear line and a non-zero exit."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except MLOpsError as error:
            raise click.ClickException(f"{type(error).__name__}: {error}") from None


def example(text: str) -> str:
    """An epilog that click prints verbatim under --help."""
    return "\b\nExample:\n" + "\n".join(f"  {line}" for line in text.strip().splitlines())


@click.group(cls=MLOpsGroup, context_settings={"help_option_names": ["-h", "--help"]},
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


def format_duration(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    if seconds < 60:
        return f"{seconds:.1f}s"
    minutes, seconds = divmod(int(seconds), 60)
    return f"{minutes}m{seconds:02d}s" if minutes < 60 else f"{minutes // 60}h{minutes % 60:02d}m"
