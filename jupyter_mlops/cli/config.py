"""`jupyter-mlops config`: every setting, its value and where the value came from."""

from __future__ import annotations

import click

from ..config import CONFIG_FILE, describe, env_name
from .common import echo_json, example


@click.command("config", epilog=example("jupyter-mlops config\nJUPYTER_MLOPS_DOCKER_MEMORY=4g jupyter-mlops config --json"))
@click.option("--json", "as_json", is_flag=True, help="Print the settings as JSON.")
def config_command(as_json: bool) -> None:
    """Show every setting, its value and its source.

    Settings are `c.MLOps.<name>` in jupyter_mlops_config.py or .json anywhere in the Jupyter config
    path (`jupyter --paths`), or in a Jupyter server's own configuration, and the environment
    variable JUPYTER_MLOPS_<NAME> overrides them.
    """
    values = describe()
    if as_json:
        echo_json([{"name": v.name, "value": v.value, "source": v.source, "environment": env_name(v.name),
                    "help": v.help} for v in values])
        return
    width = max(len(v.name) for v in values)
    for value in values:
        click.echo(f"{value.name:<{width}}  {value.value!r:<24}  {value.source}")
    click.echo(f"\nSet them as c.MLOps.<name> in {CONFIG_FILE}.py|json (Jupyter config path: `jupyter --paths`) "
               "or as JUPYTER_MLOPS_<NAME>.")
