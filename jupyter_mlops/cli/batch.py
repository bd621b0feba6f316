"""`jupyter-mlops batch NB ...` runs a notebook over a parameter grid; `batch show ID` its results,
`batch list` the recent ones, `batch cancel ID` stops one.

The service layer is imported by each command, not here: `batch NB` first starts the fork
server of the batch's kernels (batch/local.py), which then imports for most of a second while
this process imports the service layer and records the batch.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

import click
from tqdm import tqdm

from ..run.cancel import cancel_on_sigterm
from ..run.model import Run, RunStatus
from .common import comma_list, echo_json, example, format_duration
from .cluster_options import cluster_fields, cluster_options
from .container_options import container_fields
from .environment_options import environment_fields, environment_options
from .notify_options import notify_from, notify_options

if TYPE_CHECKING:
    from ..batch.model import Batch, BatchResults


class _NotebookByDefault(click.Group):
    """`batch NB ...` means `batch run NB ...`; `batch show|list|cancel` are subcommands."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if args and args[0] not in self.commands and args[0] not in ("-h", "--help"):
            args = ["run", *args]
        return super().parse_args(ctx, args)


@click.group("batch", cls=_NotebookByDefault, epilog=example("""
jupyter-mlops batch train.ipynb -p learning_rate 0.05,0.1,0.2 -p max_depth 3,5 --parallel 2
jupyter-mlops batch train.ipynb --grid grid.yaml --fail-fast
jupyter-mlops batch train.ipynb --grid grid.yaml --backend dask --cluster tcp://scheduler:8786
jupyter-mlops batch show batch-20260101-120000-abc123 --sort accuracy --desc --format csv -o results.csv
jupyter-mlops batch cancel batch-20260101-120000-abc123"""))
def batch_group() -> None:
    """Run a notebook over a grid of parameters (each point an ordinary run), and see the results."""


class _ProgressBar:
    """A tqdm bar (runs done, ETA) that also counts the runs that did not succeed."""

    def __init__(self, total: int) -> None:
        self.bar = tqdm(total=total, unit="run", dynamic_ncols=True, file=sys.stderr)
        self.failed = 0

    def __call__(self, run: Run) -> None:
        if run.status != RunStatus.succeeded:
            self.failed += 1
            self.bar.set_postfix(not_succeeded=self.failed, refresh=False)
        self.bar.update(1)


@batch_group.command("run", hidden=True)
@click.argument("notebook", type=click.Path(dir_okay=False, exists=True))
@click.option("--grid", "grid_file", type=click.Path(dir_okay=False, exists=True),
              help="YAML file: parameter name → list of values; runs the cartesian product.")
@click.option("-p", "--parameter", "axes", nargs=2, multiple=True, metavar="NAME V1,V2,...",
              help="A grid axis; values are read as the parameter's type. Axes multiply.")
@click.option("--params-list", type=click.Path(dir_okay=False, exists=True),
              help="JSONL file: one JSON object of parameters per run.")
@click.option("--parallel", type=click.IntRange(min=1),
              help="Runs at once [default: the number of cores; dask: the cluster's threads].")
@click.option("--backend", default="local", show_default=True, help="Where each run executes.")
@click.option("--image", help="Container image of every run (container backends; default: the steps' --image, "
                              "else the configured base image). Never pulled.")
@click.option("--steps", help="Comma-separated steps to run (with what they depend on) in every run.")
@click.option("--fail-fast", is_flag=True, help="Start no new run once one has not succeeded.")
@click.option("--timeout", type=float, help="Seconds allowed for each run.")
@click.option("--preload", help="Comma-separated modules the kernel fork server imports once "
                                "[default: those the notebook imports]; '' for none.")
@click.option("-k", "--kernel", "kernel_name", help="Kernel of every run instead of the notebook's.")
@environment_options
@click.option("--json", "as_json", is_flag=True, help="Print the batch record and results as JSON.")
@notify_options(batch=True)
@cluster_options
def run_batch_command(notebook: str, grid_file: str | None, axes: tuple[tuple[str, str], ...],
                      params_list: str | None, parallel: int | None, backend: str, image: str | None,
                      steps: str | None, fail_fast: bool, timeout: float | None, preload: str | None,
                      kernel_name: str | None, env_items: tuple[str, ...], secret_items: tuple[str, ...],
                      as_json: bool, cluster: str | None, shared_path: bool | None, **channels: Any) -> None:
    """Run NOTEBOOK once per point of a parameter grid.

    Exits 0 only when every run succeeded. Ctrl-C cancels: running kernels are stopped,
    finished runs are kept. With channels (--email, --slack-secret, --webhook, --notify-command) the end of
    the batch is told once (batch_done: runs by status, the best run by --best-by).
    """
    container_fields(backend, {"image": image})  # refused with the local backend, as for `run`
    modules = None if preload is None else comma_list(preload)
    # Before anything else is imported (the batch's own, from here; see the module's docstring).
    from ..batch.local import start_local_kernels

    local = start_local_kernels(backend, notebook, kernel_name, modules)
    try:
        from ..batch.grid import grid_points
        from ..batch.model import BatchSpec
        from ..service.batches import batch_results, start_batch
        from ..service.runs import get_pipeline

        points = grid_points(get_pipeline(notebook), grid_file=grid_file, axes=list(axes), params_list=params_list)
        spec = BatchSpec(
            notebook=notebook, points=points, backend=backend, image=image, parallel=parallel, fail_fast=fail_fast,
            timeout=timeout, kernel_name=kernel_name, **environment_fields(env_items, secret_items),
            notify=notify_from(channels), **cluster_fields(backend, cluster, shared_path),
            steps=comma_list(steps) if steps else None, preload=modules)
        cancel_on_sigterm()
        progress = _ProgressBar(len(points))
    except BaseException:  # refused before start_batch took the fork server over
        if local is not None:
            local.close()
        raise
    try:
        batch = start_batch(spec, wait=True, on_progress=progress, local=local)
    finally:
        progress.bar.close()
    table = batch_results(batch.id)
    if as_json:
        echo_json({"batch": batch.model_dump(mode="json"), "results": table.model_dump(mode="json")})
    else:
        click.echo(render_table(table))
        click.echo(_summary(batch), err=True)
    sys.exit(0 if batch.status.value == "succeeded" else 1)


def _summary(batch: Batch) -> str:
    counts = ", ".join(f"{count} {status}" for status, count in sorted(batch.counts.items()))
    line = f"batch {batch.id} {batch.status.value} in {format_duration(batch.duration)}: {counts}"
    return line + (f"\n  {batch.error}" if batch.error else "")


def _format(value: Any, column: str) -> str:
    if value is None:
        return "-"
    if column == "duration":
        return format_duration(value)
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def render_table(table: BatchResults) -> str:
    from ..batch.results import cell, columns

    names = columns(table)
    rows = [[_format(cell(row, name), name) for name in names] for row in table.rows]
    widths = [max(len(n), *(len(r[i]) for r in rows)) for i, n in enumerate(names)]
    lines = ["  ".join(n.ljust(w) for n, w in zip(names, widths))]
    lines += ["  ".join(c.ljust(w) for c, w in zip(r, widths)) for r in rows]
    return "\n".join(line.rstrip() for line in lines)


@batch_group.command("show", epilog=example("jupyter-mlops batch show BATCH_ID --sort accuracy --desc"))
@click.argument("batch_id")
@click.option("--sort", help="Column to sort by: a parameter, a metric, status, duration or run_id.")
@click.option("--desc", is_flag=True, help="Sort in descending order.")
@click.option("--format", "output_format", type=click.Choice(["table", "csv", "json"]), default="table",
              show_default=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True), help="Write to this file.")
def show_command(batch_id: str, sort: str | None, desc: bool, output_format: str, output: str | None) -> None:
    """The results of a batch: parameters × metrics × status × duration, one row per run."""
    from ..batch.results import to_csv, to_json
    from ..service.batches import batch_results, get_batch

    batch = get_batch(batch_id)
    table = batch_results(batch_id, sort=sort, descending=desc)
    text = {"table": render_table, "csv": to_csv, "json": to_json}[output_format](table)
    if output:
        with open(output, "w", encoding="utf-8") as file:
            file.write(text if text.endswith("\n") else text + "\n")
        click.echo(output, err=True)
    else:
        click.echo(text.rstrip("\n"))
    if output_format == "table":
        click.echo(_summary(batch), err=True)


@batch_group.command("list", epilog=example("jupyter-mlops batch list --limit 5"))
@click.option("--limit", default=20, show_default=True)
@click.option("--json", "as_json", is_flag=True)
def list_command(limit: int, as_json: bool) -> None:
    """Recent batches, newest first."""
    from ..service.batches import list_batches

    batches, total = list_batches(limit=limit)
    if as_json:
        echo_json(batches)
        return
    for batch in batches:
        click.echo(_summary(batch))
    click.echo(f"{len(batches)} of {total} batches", err=True)


@batch_group.command("cancel", epilog=example("jupyter-mlops batch cancel BATCH_ID"))
@click.argument("batch_id")
def cancel_command(batch_id: str) -> None:
    """Stop a queued or running batch, started from the panel or by `batch` in another shell.

    Finished runs are kept, running ones stopped (no kernel or container left), the rest cancelled.
    """
    from ..service.batches import cancel_batch

    batch = cancel_batch(batch_id)
    if batch.status.finished:
        click.echo(_summary(batch))
    else:
        click.echo(f"batch {batch.id}: its process was asked to stop; `jupyter-mlops batch show {batch.id}` "
                   "shows the outcome")
