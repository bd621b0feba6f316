"""Where runs execute: a registry of backends, extended through the `jupyter_mlops.backends`
entry point group (`local` is the first member; others such as `docker` plug in the same way)."""

from __future__ import annotations

from functools import cache
from importlib.metadata import EntryPoint, entry_points

from ...errors import BackendError
from .base import Backend, BackendOutcome, Execution, RunGroup, StepEventSink

GROUP = "jupyter_mlops.backends"


@cache
def _registered() -> dict[str, EntryPoint]:
    # Scanned once per process: the scan reads every installed distribution's metadata
    # (~50-120 ms), and a batch looks a backend up twice per run.
    return {ep.name: ep for ep in entry_points(group=GROUP)}


def backend_names() -> list[str]:
    return sorted(_registered())


def get_backend(name: str) -> Backend:
    found = _registered().get(name)
    if found is None:
        raise BackendError(f"unknown backend {name!r} (available: {', '.join(backend_names()) or 'none'}); "
                           "is jupyter-mlops installed (pip install -e .)?")
    return found.load()()


__all__ = ["Backend", "BackendOutcome", "Execution", "RunGroup", "StepEventSink", "backend_names", "get_backend"]
