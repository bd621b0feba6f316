"""`jupyter-mlops runs …`: list, inspect, tail and cancel runs."""

from __future__ import annotations

import time
from pathlib import Path

import click

from ..run.model import Run
from ..service import runs as service
from .common import echo_json, example, format_duration


@click.group("runs", epilog=example("jupyter-mlops runs list --status failed"))
def runs_group() -> None:
    """Inspect the runs kept in the store."""


def _row(run: Run) -> str:
    return (f"{run.id:24} {run.status.value:10} {run.trigger:8} {format_duration(run.duration):>8}  "
            f"{Path(run.notebook).name}")


@runs_group.command("list", epilog=example("jupyter-mlops runs list --notebook train.ipynb --limit 10"))
@click.option("--notebook", help="Only runs of this notebook.")
@click.option("--status", help="Only runs with this status (queued, running, succeeded, failed, …).")
@click.option("--limit", default=20, show_default=True)
@click.option("--offset", default=0)
@click.option("--json", "as_json", is_flag=True)
def list_command(notebook, status, limit, offset, as_json) -> None:
    """List runs, newest first."""
    runs, total = service.list_runs(notebook=notebook, status=status, limit=limit, offset=offset)
    if as_json:
        echo_json({"total": total, "runs": [r.model_dump(mode="json") for r in runs]})
        return
    click.echo(f"{'RUN':24} {'STATUS':10} {'TRIGGER':8} {'DURATION':>8}  NOTEBOOK")
    for run in runs:
        click.echo(_row(run))
    click.echo(f"({len(runs)} of {total})", err=True)


@runs_group.command("show", epilog=example("jupyter-mlops runs show 20261127-091500-a1b2c3"))
@click.argument("run_id")
@click.option("--json", "as_json", is_flag=True)
def show_command(run_id: str, as_json: bool) -> None:
    """Show a run's record: status, steps, parameters, metrics, output notebook."""
    run = service.get_run(run_id)
    if as_json:
        echo_json(run)
        return
    click.echo(_row(run))
    click.echo(f"notebook:   {run.notebook}")
    click.echo(f"parameters: {run.parameters}")
    if run.error:
        click.echo(f"error:      {run.error}" + (f" (step {run.failed_step})" if run.failed_step else ""))
    click.echo("steps:")
    for step in run.steps:
        attempts = f" ({step.attempts} attempts)" if step.attempts > 1 else ""
        click.echo(f"  {step.name:20} {step.status.value:10} {format_duration(step.duration):>8}{attempts}")
    if run.metrics:
        click.echo("metrics:")
        for name, value in run.metrics.items():
            click.echo(f"  {name}: {value}")
    click.echo(f"output:     {run.output_notebook}")
    click.echo(f"log:        {run.log_path}")


@runs_group.command("log", epilog=example("jupyter-mlops runs log 20261127-091500-a1b2c3 --follow"))
@click.argument("run_id")
@click.option("--follow", is_flag=True, help="Keep printing until the run finishes.")
def log_command(run_id: str, follow: bool) -> None:
    """Print a run's log (cell outputs and step events)."""
    offset = 0
    while True:
        text, offset = service.read_log(run_id, offset)
        click.echo(text, nl=False)
        if not follow or service.get_run(run_id).status.finished:
            text, offset = service.read_log(run_id, offset)
            click.echo(text, nl=False)
            return
        time.sleep(0.5)


@runs_group.command("cancel", epilog=example("jupyter-mlops runs cancel 20261127-091500-a1b2c3"))
@click.argument("run_id")
def cancel_command(run_id: str) -> None:
    """Cancel a queued or running run."""
    run = service.cancel_run(run_id)
    click.echo(f"cancelling run {run.id}")
