"""How a batch's kernels are forked here, found out — and their fork server started — early.

A batch on the local backend whose notebook's kernel is this Python's ipykernel forks its
kernels from a fork server (see `forkserver`). Starting that server is the first thing a
foreground batch does: it imports for most of a second, while its client imports the rest
of what a batch needs and checks and records the batch. The server starts before the client
has even read the notebook (`start_local_kernels`); this module imports at its top only what
starting it takes, and what reading the notebook and finding its kernelspec take once it runs.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from .forkserver import ForkServer
from .preload import modules_to_preload

if TYPE_CHECKING:
    from jupyter_client.kernelspec import KernelSpec

    from .kernels import KernelPool


@dataclass
class LocalKernels:
    """How a batch's kernels are forked here: the kernel's name and spec, the modules its fork
    server imports, that server when it was started ahead (`start_local_kernels`), and the
    batch's pool of kernels on it once started (`start_pool`)."""

    kernel_name: str
    kernelspec: KernelSpec
    preload: list[str]
    server: ForkServer | None = None
    pool: KernelPool | None = None

    def start_pool(self, notebook: str | Path, environment: dict[str, str], *, spare: int,
                   total: int) -> KernelPool:
        """The batch's pool (see `KernelPool`), its first `spare` kernels starting from now."""
        from .kernels import KernelPool

        self.pool = KernelPool(self.kernel_name, self.kernelspec, Path(notebook).parent, preload=self.preload,
                               spare=spare, total=total, environment=environment, server=self.server)
        return self.pool

    def close(self) -> None:
        """The pool and fork server, and whatever it forked that is still alive (again: a no-op)."""
        if self.pool is not None:
            self.pool.close()
        elif self.server is not None:
            self.server.close()


def local_kernels(backend: str, notebook: str | Path, kernel_name: str | None,
                  preload: list[str] | None) -> LocalKernels | None:
    """How the batch's kernels (`kernel_name`, else the notebook's) are forked here; None when
    each run starts its own kernel. `preload`: the modules to import ahead (None: the notebook's)."""
    if backend != "local":
        return None
    # Imported here, not above: `start_local_kernels` starts the server before these imports.
    from ..pipeline import read_notebook
    from .kernels import forkable_spec

    notebook = Path(notebook)
    source = read_notebook(notebook)
    kernel_name = kernel_name or source.metadata.get("kernelspec", {}).get("name")
    kernelspec = forkable_spec(kernel_name) if kernel_name else None
    if kernelspec is None:
        return None  # each run starts its own kernel, as papermill does
    return LocalKernels(kernel_name, kernelspec, modules_to_preload(source, notebook.parent, preload))


def start_local_kernels(backend: str, notebook: str | Path, kernel_name: str | None,
                        preload: list[str] | None) -> LocalKernels | None:
    """`local_kernels(...)` with its fork server started (the batch then takes it); None when no
    kernel is forked here. The server starts first, importing what every kernel imports while
    this finds out whether the kernels are forked at all and what else they import (a server
    not needed after all is closed at once)."""
    if backend != "local":
        return None
    server = ForkServer(None)
    try:
        local = local_kernels(backend, notebook, kernel_name, preload)
        if local is not None:
            server.preload(local.preload)
            local.server = server
    except BaseException:
        server.close()
        raise
    if local is None:
        server.close()
    return local
