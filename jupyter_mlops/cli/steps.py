"""`jupyter-mlops steps NB`: show the pipeline a notebook declares."""

from __future__ import annotations

import click

from ..pipeline.describe import describe_pipeline
from ..service.runs import get_pipeline
from .common import echo_json, example


@click.command("steps", epilog=example("jupyter-mlops steps example_notebooks/branching.ipynb --json"))
@click.argument("notebook", type=click.Path(dir_okay=False))
@click.option("--json", "as_json", is_flag=True, help="Print the pipeline as JSON.")
def steps_command(notebook: str, as_json: bool) -> None:
    """Show the steps, dependencies and parameters NOTEBOOK declares."""
    pipeline = get_pipeline(notebook)
    if as_json:
        echo_json(pipeline)
    else:
        click.echo(describe_pipeline(pipeline))
