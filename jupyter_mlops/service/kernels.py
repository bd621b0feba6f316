"""The kernels (environments) a run, batch or schedule can choose: this server's kernelspecs."""

from __future__ import annotations

from jupyter_client.kernelspec import KernelSpecManager
from pydantic import BaseModel

from ..errors import UnknownKernelError


class KernelChoice(BaseModel):
    name: str
    display_name: str
    language: str


def list_kernels() -> list[KernelChoice]:
    """Every installed kernelspec, by name: the dialogs' and widgets' kernel choice, `GET kernels`."""
    specs = KernelSpecManager().get_all_specs()
    return [KernelChoice(name=name, display_name=found["spec"].get("display_name", name),
                         language=found["spec"].get("language", ""))
            for name, found in sorted(specs.items())]


def check_kernel(name: str | None, backend: str = "local") -> None:
    """Refuse a kernel this machine does not have, naming the ones it does.

    Only for runs on this machine: a container's kernels are its image's, not this server's.
    """
    if name is None or backend != "local":
        return
    available = KernelSpecManager().find_kernel_specs()
    if name not in available:
        raise UnknownKernelError(f"kernel {name!r} is not installed here; available: "
                                 f"{', '.join(sorted(available)) or 'none'}")
