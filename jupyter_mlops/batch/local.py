"""How a batch's kernels are forked here, found out — and their fork server started — early.

A batch on the local backend whose notebook's kernel is this Python's ipykernel forks its
kernels from a fork server (see `forkserver`). Starting that server is the first thing a
foreground batch does: it imports for most of a second, while its client imports the rest
of what a batch needs and checks and records the batch. This module imports only what finding
that out takes (the notebook, its kernelspec), so that the CLI can call it before the rest.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from jupyter_client.kernelspec import KernelSpec

from ..pipeline import read_notebook
from .kernels import ForkServer, forkable_spec
from .preload import modules_to_preload


@dataclass
class LocalKernels:
    """How a batch's kernels are forked here: the kernel's name and spec, the modules its fork
    server imports, and that server when it was started ahead (`start_local_kernels`)."""

    kernel_name: str
    kernelspec: KernelSpec
    preload: list[str]
    server: ForkServer | None = None

    def close(self) -> None:
        """The fork server, and whatever it forked that is still alive (again: a no-op)."""
        if self.server is not None:
            self.server.close()


def local_kernels(backend: str, notebook: str | Path, kernel_name: str | None,
                  preload: list[str] | None) -> LocalKernels | None:
    """How the batch's kernels (`kernel_name`, else the notebook's) are forked here; None when
    each run starts its own kernel. `preload`: the modules to import ahead (None: the notebook's)."""
    if backend != "local":
        return None
    notebook = Path(notebook)
    source = read_notebook(notebook)
    kernel_name = kernel_name or source.metadata.get("kernelspec", {}).get("name")
    kernelspec = forkable_spec(kernel_name) if kernel_name else None
    if kernelspec is None:
        return None  # each run starts its own kernel, as papermill does
    return LocalKernels(kernel_name, kernelspec, modules_to_preload(source, notebook.parent, preload))


def start_local_kernels(backend: str, notebook: str | Path, kernel_name: str | None,
                        preload: list[str] | None) -> LocalKernels | None:
    """`local_kernels(...)` with its fork server started now (the batch then takes it); None
    when no kernel is forked here."""
    local = local_kernels(backend, notebook, kernel_name, preload)
    if local is not None:
        local.server = ForkServer(local.preload)
    return local
