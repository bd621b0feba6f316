"""Options for cluster backends (dask): --cluster and --shared-path, on run, batch and schedule."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click

CLUSTER_BACKENDS = ("dask",)

_OPTIONS = [
    click.option("--cluster", help="Dask cluster: a scheduler address (tcp://host:8786) or scheduler file "
                                   "[default: the dask_scheduler setting]."),
    click.option("--shared-path", is_flag=True, default=None,
                 help="The cluster's workers see the notebook's folder at the same path: do not ship it."),
]


def cluster_options(command: Callable) -> Callable:
    for option in reversed(_OPTIONS):
        command = option(command)
    return command


def cluster_fields(backend: str | None, cluster: str | None, shared_path: bool | None) -> dict[str, Any]:
    """The RunSpec fields given on the command line; refused with a backend that is not a cluster."""
    given = {name: value for name, value in (("cluster", cluster), ("shared_path", shared_path))
             if value not in (None, False)}
    if given and backend not in CLUSTER_BACKENDS:
        flags = ", ".join("--" + name.replace("_", "-") for name in given)
        raise click.UsageError(f"{flags}: only for cluster backends (--backend dask)")
    return given
