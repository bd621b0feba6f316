"""`jupyter-mlops runs …`: list, inspect, tail, cancel, compare and rerun runs."""

from __future__ import annotations

import csv
import io
import json
import time
from pathlib import Path
from typing import get_args

import click

from ..lineage.diff import Change, RunDiff
from ..run.cancel import cancel_on_sigterm
from ..run.model import Run, Trigger
from ..service import lineage as lineage_service
from ..service import metrics as metrics_service
from ..service import runs as service
from .common import delivery_line, echo_json, example, format_duration
from .run import ProgressPrinter, exit_with_outcome


@click.group("runs", epilog=example("jupyter-mlops runs list --status failed"))
def runs_group() -> None:
    """Inspect the runs kept in the store."""


def _row(run: Run) -> str:
    return (f"{run.id:24} {run.status.value:10} {run.trigger:8} {format_duration(run.duration):>8}  "
            f"{Path(run.notebook).name}")


@runs_group.command("list", epilog=example("jupyter-mlops runs list --notebook train.ipynb --limit 10"))
@click.option("--notebook", help="Only runs of this notebook.")
@click.option("--status", help="Only runs with this status (queued, running, succeeded, failed, …).")
@click.option("--trigger", type=click.Choice(list(get_args(Trigger))), help="Only runs started this way.")
@click.option("--search", help="Only runs whose id, notebook path, error or parameters contain this text.")
@click.option("--limit", default=20, show_default=True)
@click.option("--offset", default=0)
@click.option("--json", "as_json", is_flag=True)
def list_command(notebook, status, trigger, search, limit, offset, as_json) -> None:
    """List runs, newest first."""
    runs, total = service.list_runs(notebook=notebook, status=status, trigger=trigger, search=search,
                                    limit=limit, offset=offset)
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
    if run.spec.notebook_version:
        click.echo(f"version:    {run.spec.notebook_version[:12]} (the version its schedule pinned)")
    click.echo(f"parameters: {run.parameters}")
    if run.spec.kernel_name:
        click.echo(f"kernel:     {run.spec.kernel_name}")
    if run.spec.env or run.spec.secrets:
        click.echo(f"env:        {run.spec.env}  secrets: {', '.join(run.spec.secrets.values()) or '-'}")
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
    if run.lineage:
        _echo_lineage(run)
    click.echo(f"output:     {run.output_notebook}")
    click.echo(f"log:        {run.log_path}")
    if run.notifications:
        click.echo("notifications:")
        for delivery in run.notifications:
            click.echo(f"  {delivery_line(delivery)}")


def _echo_lineage(run: Run) -> None:
    lineage = run.lineage
    click.echo(f"code:       sha256 {lineage.notebook_sha256[:16]}"
               + (f", git {lineage.git.commit[:12]}{' (dirty)' if lineage.git.dirty else ''}" if lineage.git else ""))
    if lineage.environment:
        env = lineage.environment
        click.echo(f"environment: {env.image or ''} {env.id}" if env.kind == "image"
                   else f"environment: python {env.python} at {env.prefix} ({env.id})")
    for role, files in (("input", lineage.inputs), ("output", lineage.outputs)):
        for declared, found in files.items():
            state = f"sha256 {found.sha256[:16]}, {found.size} bytes" if found.sha256 else "missing"
            click.echo(f"{role}:      {declared} ({state})")


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


def _echo_changes(title: str, changes: list[Change]) -> None:
    if changes:
        click.echo(f"{title}:")
        for change in changes:
            click.echo(f"  {change.name}: {change.a!r} -> {change.b!r}")


@runs_group.command("diff", epilog=example("jupyter-mlops runs diff 20261127-091500-a1b2c3 20261128-091500-d4e5f6"))
@click.argument("run_a")
@click.argument("run_b")
@click.option("--json", "as_json", is_flag=True)
def diff_command(run_a: str, run_b: str, as_json: bool) -> None:
    """What changed from RUN_A to RUN_B: code cells, parameters, inputs, outputs, environment, metrics."""
    diff: RunDiff = lineage_service.diff_runs(run_a, run_b)
    if as_json:
        echo_json(diff)
        return
    if diff.identical:
        click.echo(f"runs {run_a} and {run_b} ran the same code, parameters, data and environment "
                   "and recorded the same metrics")
        return
    if diff.code:
        click.echo("code:")
        for line in diff.code:
            click.echo(f"  {line}")
    _echo_changes("parameters", diff.parameters)
    _echo_changes("inputs (sha256)", diff.inputs)
    _echo_changes("outputs (sha256)", diff.outputs)
    _echo_changes("environment", diff.environment)
    _echo_changes("metrics", diff.metrics)


@runs_group.command("rerun", epilog=example("jupyter-mlops runs rerun 20261127-091500-a1b2c3"))
@click.argument("run_id")
@click.option("--json", "as_json", is_flag=True, help="Print the new run record as JSON.")
def rerun_command(run_id: str, as_json: bool) -> None:
    """Run RUN_ID again with exactly its recorded notebook snapshot, parameters and image.

    Warns when an input file's content differs from its recorded fingerprint. Exits 0 only when
    the new run succeeded.
    """
    cancel_on_sigterm()  # `runs cancel` from elsewhere
    run = lineage_service.rerun(run_id, on_progress=None if as_json else ProgressPrinter(),
                                on_warning=lambda text: click.echo(f"warning: {text}", err=True)).run
    exit_with_outcome(run, as_json, f" (rerun of {run_id})")


@runs_group.command("report", epilog=example("jupyter-mlops runs report 20261127-091500-a1b2c3 -o report.html"))
@click.argument("run_id")
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write the HTML here instead of stdout.")
@click.option("--no-input", is_flag=True, help="Leave the code cells' input out (outputs only).")
def report_command(run_id: str, output: str | None, no_input: bool) -> None:
    """The run's output notebook as one HTML page (nbconvert), to open in a browser or attach."""
    page = service.run_report(run_id, no_input=no_input)
    if output:
        Path(output).write_text(page, encoding="utf-8")
        click.echo(output, err=True)
    else:
        click.echo(page, nl=False)


@runs_group.command("metrics", epilog=example("jupyter-mlops runs metrics --schedule nightly --metric accuracy"))
@click.option("--schedule", help="A schedule's runs (id or name).")
@click.option("--notebook", type=click.Path(dir_okay=False), help="A notebook's runs.")
@click.option("--metric", help="Only this metric.")
@click.option("--format", "output_format", type=click.Choice(["table", "csv", "json"]), default="table",
              show_default=True)
def metrics_command(schedule: str | None, notebook: str | None, metric: str | None, output_format: str) -> None:
    """Every recorded metric over time, oldest first, with each run's status."""
    if (schedule is None) == (notebook is None):
        raise click.UsageError("give --schedule or --notebook (one of them)")
    history = metrics_service.metric_history(schedule=schedule, notebook=notebook, metric=metric)
    if output_format == "json":
        echo_json(history)
        return
    header = ["at", "run_id", "status", *history.metrics]
    rows = [[f"{point.at:%Y-%m-%d %H:%M:%S}", point.run_id, point.status.value,
             *("" if point.metrics.get(name) is None else _cell(point.metrics[name]) for name in history.metrics)]
            for point in history.points]
    if output_format == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)
        click.echo(buffer.getvalue(), nl=False)
        return
    widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(header)]
    for line in [header, *rows]:
        click.echo("  ".join(c.ljust(w) for c, w in zip(line, widths)).rstrip())
    for threshold in history.thresholds:
        click.echo(f"alert: {threshold.metric} {threshold.op} {threshold.value:g}", err=True)


def _cell(value: object) -> str:
    if isinstance(value, float):
        return f"{value:.6g}"
    return value if isinstance(value, str) else json.dumps(value)
