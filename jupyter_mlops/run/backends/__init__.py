"""Where runs execute: a registry of backends, extended through the `jupyter_mlops.backends`
entry point group (`local` is the first member; others such as `docker` plug in the same way)."""

from __future__ import annotations

from importlib.metadata import entry_points

from ...errors import BackendError
from .base import Backend, BackendOutcome, Execution, StepEventSink

GROUP = "jupyter_mlops.backends"


def backend_names() -> list[str]:
    return sorted(ep.name for ep in entry_points(group=GROUP))


def get_backend(name: str) -> Backend:
    found = entry_points(group=GROUP, name=name)
    if not found:
        raise BackendError(f"unknown backend {name!r} (available: {', '.join(backend_names()) or 'none'}); "
                           "is jupyter-mlops installed (pip install -e .)?")
    backend_class = next(iter(found)).load()
    return backend_class()


__all__ = ["Backend", "BackendOutcome", "Execution", "StepEventSink", "backend_names", "get_backend"]
