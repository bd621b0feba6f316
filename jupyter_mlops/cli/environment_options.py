"""`--env NAME=VALUE` and `--secret [VAR=]NAME`: the run's environment, on run, batch and schedule."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click

from ..service.environment import parse_env, parse_secrets


def environment_options(command: Callable) -> Callable:
    command = click.option("--secret", "secret_items", multiple=True, metavar="[VAR=]NAME",
                           help="Expose secret NAME (see `jupyter-mlops secret`) to the kernel as $NAME, or as "
                                "$VAR; read when the run starts, never recorded, masked as *** in every output. "
                                "Repeatable.")(command)
    return click.option("--env", "env_items", multiple=True, metavar="NAME=VALUE",
                        help="An environment variable of the kernel (plain value, recorded with the run). "
                             "Repeatable.")(command)


def environment_fields(env_items: tuple[str, ...], secret_items: tuple[str, ...]) -> dict[str, Any]:
    """The spec fields the options give."""
    return {"env": parse_env(env_items), "secrets": parse_secrets(secret_items)}
