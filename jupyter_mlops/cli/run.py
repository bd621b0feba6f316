"""`jupyter-mlops run NB`: papermill's command line, plus steps and a run record."""

from __future__ import annotations

import base64
import sys
from pathlib import Path
from typing import Any, NoReturn

import click
import yaml

from ..errors import ParameterError
from ..pipeline.parameters import parse_cli_value
from ..run.cancel import cancel_on_sigterm
from ..run.model import Run, RunSpec, RunStatus, StepStatus
from ..service.runs import get_pipeline, prepare_only as write_prepared_notebook, run_notebook
from .common import comma_list, echo_json, example, format_duration
from .cluster_options import cluster_fields, cluster_options
from .container_options import container_fields, container_options
from .environment_options import environment_fields, environment_options
from .notify_options import notify_from, notify_options

_SYMBOL = {StepStatus.succeeded: "✔", StepStatus.failed: "✘", StepStatus.timed_out: "⏱", StepStatus.check_failed: "⛔",
           StepStatus.skipped: "·"}


def _yaml_mapping(text: str, where: str) -> dict[str, Any]:
    try:
        value = yaml.safe_load(text) or {}
    except yaml.YAMLError as error:
        raise ParameterError(f"{where} is not valid YAML: {error}") from None
    if not isinstance(value, dict):
        raise ParameterError(f"{where} must be a mapping of parameter names to values")
    return value


def collect_parameters(notebook: str, files: tuple[str, ...], yamls: tuple[str, ...], base64s: tuple[str, ...],
                       typed: tuple[tuple[str, str], ...], raw: tuple[tuple[str, str], ...]) -> dict[str, Any]:
    """Merge parameters in papermill's order: files, YAML, base64 YAML, then -p and -r."""
    values: dict[str, Any] = {}
    for path in files:
        try:
            text = Path(path).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            raise ParameterError(f"cannot read parameters file {path}: {error}") from None
        values.update(_yaml_mapping(text, f"parameters file {path}"))
    for text in yamls:
        values.update(_yaml_mapping(text, "-y/--parameters_yaml"))
    for text in base64s:
        try:
            decoded = base64.b64decode(text, validate=True).decode("utf-8")
        except (ValueError, UnicodeDecodeError):
            raise ParameterError("-b/--parameters_base64 is not base64-encoded UTF-8 text") from None
        values.update(_yaml_mapping(decoded, "-b/--parameters_base64"))
    if typed:
        pipeline = get_pipeline(notebook)
        for name, text in typed:
            values[name] = parse_cli_value(pipeline.parameter(name), text)
    values.update(dict(raw))
    return values


class ProgressPrinter:
    """Prints a line to stderr as each step starts and finishes."""

    def __init__(self) -> None:
        self.seen: dict[str, StepStatus] = {}

    def __call__(self, run: Run) -> None:
        if not self.seen and run.status == RunStatus.queued:
            click.echo(f"run {run.id}: {Path(run.notebook).name}", err=True)
        for step in run.steps:
            if self.seen.get(step.name) == step.status:
                continue
            self.seen[step.name] = step.status
            if step.status == StepStatus.running:
                click.echo(f"  ▶ {step.name} …", err=True)
            elif step.status in _SYMBOL and step.status != StepStatus.skipped:
                retries = f" after {step.attempts} attempts" if step.attempts > 1 else ""
                error = f"  {step.error}" if step.error else ""
                click.echo(f"  {_SYMBOL[step.status]} {step.name} {step.status.value}{retries}{error}", err=True)


@click.command("run", epilog=example("""
jupyter-mlops run example_notebooks/train_evaluate.ipynb -p n_estimators 50 --steps evaluate
jupyter-mlops run example_notebooks/branching.ipynb --only features_b
jupyter-mlops run analysis.ipynb out.ipynb -f params.yaml --execution-timeout 120
jupyter-mlops run train.ipynb --backend docker --memory 4g --follow
jupyter-mlops run train.ipynb --backend dask --cluster tcp://scheduler:8786
jupyter-mlops run etl.ipynb --env STAGE=prod --secret PGPASSWORD=DB_PASSWORD
jupyter-mlops run train.ipynb --email ana@example.org --slow-after 600 --alert "accuracy < 0.8"
"""))
@click.argument("notebook", type=click.Path(dir_okay=False))
@click.argument("output_path", required=False)
@click.option("-p", "--parameters", "typed", nargs=2, multiple=True, metavar="NAME VALUE",
              help="A parameter; the value is read as the parameter's type (text stays text for str).")
@click.option("-r", "--parameters_raw", "raw", nargs=2, multiple=True, metavar="NAME VALUE",
              help="A parameter passed as a raw string.")
@click.option("-f", "--parameters_file", "files", multiple=True, type=click.Path(dir_okay=False),
              help="A YAML file of parameters.")
@click.option("-y", "--parameters_yaml", "yamls", multiple=True, help="Parameters as a YAML string.")
@click.option("-b", "--parameters_base64", "base64s", multiple=True, help="Parameters as base64-encoded YAML.")
@click.option("-o", "--output", "output_option", help="Also write the output notebook here (any papermill I/O path).")
@click.option("--steps", help="Comma-separated steps to run, with everything they depend on.")
@click.option("--only", help="Comma-separated steps to run after the prelude, without what they depend on "
                             "(their inputs come from files, as in an exported pipeline's task).")
@click.option("--timeout", type=float, help="Seconds for the whole run.")
@click.option("--execution-timeout", type=float, help="Seconds allowed for each cell.")
@click.option("--backend", default="local", show_default=True, help="Where to run.")
@click.option("-k", "--kernel", "kernel_name", help="Kernel to use instead of the notebook's.")
@click.option("--cwd", type=click.Path(file_okay=False, exists=True), help="Working directory of the kernel.")
@click.option("--log-output", "--follow", "log_output", is_flag=True,
              help="Stream cell outputs (in a container: its whole log) to stderr as they come.")
@click.option("--prepare-only", is_flag=True, help="Write the parametrized notebook without executing it.")
@click.option("--json", "as_json", is_flag=True, help="Print the run record as JSON.")
@environment_options
@container_options
@notify_options
@cluster_options
def run_command(notebook: str, output_path: str | None, typed, raw, files, yamls, base64s, output_option,
                steps, only, timeout, execution_timeout, backend, kernel_name, cwd, log_output, prepare_only: bool,
                as_json: bool, env_items: tuple[str, ...], secret_items: tuple[str, ...], cluster: str | None,
                shared_path: bool | None, **container: Any) -> None:
    """Execute NOTEBOOK with papermill and keep a run record.

    Exits 0 only when the run succeeded. A notebook without %%mlstep cells runs whole.
    """
    output = output_option or output_path
    notify = notify_from(container)
    spec = RunSpec(
        notebook=notebook, parameters=collect_parameters(notebook, files, yamls, base64s, typed, raw),
        steps=comma_list(steps) if steps else None,
        only=comma_list(only) if only else None, backend=backend,
        timeout=timeout, execution_timeout=execution_timeout, kernel_name=kernel_name, cwd=cwd,
        output_path=output, log_output=log_output, notify=notify, **container_fields(backend, container),
        **environment_fields(env_items, secret_items), **cluster_fields(backend, cluster, shared_path))
    if prepare_only:
        if not output:
            raise click.UsageError("--prepare-only needs an output path (OUTPUT_PATH or -o)")
        write_prepared_notebook(spec)  # the flag of the same name shadows the function
        click.echo(output)
        return
    cancel_on_sigterm()  # `runs cancel` from elsewhere
    run = run_notebook(spec, on_progress=None if as_json else ProgressPrinter())
    exit_with_outcome(run, as_json)


def exit_with_outcome(run: Run, as_json: bool, what: str = "") -> NoReturn:
    """Print a finished run (its record, or its outcome and output notebook); exit 0 only if it succeeded."""
    if as_json:
        echo_json(run)
    else:
        click.echo(f"run {run.id}{what} {run.status.value} in {format_duration(run.duration)}", err=True)
        if run.error:
            click.echo(f"  error{f' in step {run.failed_step}' if run.failed_step else ''}: {run.error}", err=True)
        click.echo(run.output_notebook)
    sys.exit(0 if run.status == RunStatus.succeeded else 1)
