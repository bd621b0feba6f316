"""`run` options for container backends: --image, --network, --cpus, --memory, --writable-source."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import click

_MEMORY = re.compile(r"^\d+(\.\d+)?[kmgKMG]?[bB]?$")


def _memory(_ctx: click.Context, _param: click.Parameter, value: str | None) -> str | None:
    if value is not None and not _MEMORY.match(value):
        raise click.BadParameter(f"{value!r} is not a memory size like 512m or 2g")
    return value


_OPTIONS = [
    click.option("--image", help="Container image to run in (default: the steps' --image, else the configured "
                                 "base image). Never pulled: build it with `jupyter-mlops image build`."),
    click.option("--network", type=click.Choice(["none", "host"]), default=None,
                 help="Container network; none unless host is asked for."),
    click.option("--cpus", type=click.FloatRange(min=0, min_open=True),
                 help="CPU limit of the container (default: the steps' --cpus, else configured)."),
    click.option("--memory", callback=_memory,
                 help="Memory limit of the container, e.g. 512m (default: the steps' --memory, else configured)."),
    click.option("--writable-source", is_flag=True,
                 help="Mount the notebook's folder writable, as papermill does locally (default: read-only; "
                      "the run writes into $MLOPS_OUTPUT_DIR)."),
]


def container_options(command: Callable) -> Callable:
    for option in reversed(_OPTIONS):
        command = option(command)
    return command


def container_fields(backend: str, values: dict[str, Any]) -> dict[str, Any]:
    """The RunSpec fields given on the command line; refused with a backend that has no container."""
    given = {name: value for name, value in values.items() if value not in (None, False)}
    if given and backend == "local":
        flags = ", ".join("--" + name.replace("_", "-") for name in given)
        raise click.UsageError(f"{flags}: only for container backends (e.g. --backend docker)")
    return given
