"""Where runs can execute: every registered backend, whether it can run now, and its images."""

from __future__ import annotations

from pydantic import BaseModel, Field

from ..run.backends import backend_names, get_backend


class BackendState(BaseModel):
    name: str
    available: bool
    detail: str = Field(description="Why it is not available, or its state when it is")
    images: list[str] = Field(default_factory=list, description="Images a run can choose (container backends)")
    cluster: bool = Field(default=False, description="Runs go to a cluster, chosen with `cluster` (dask); "
                                                     "`detail` then says its workers, threads and memory")


def backend_states() -> list[BackendState]:
    """Asks each backend (docker: its engine) once; shared by `GET backends`, the widgets and the dialogs."""
    states = []
    for name in backend_names():
        backend = get_backend(name)
        available, detail = backend.availability()
        states.append(BackendState(name=name, available=available, detail=detail, cluster=backend.cluster,
                                   images=backend.images() if available else []))
    return states
