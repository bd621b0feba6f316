"""What a run's container gets — image, limits, user — from the run's options, else the
steps' options, else the `docker_*` settings (config.py; `JUPYTER_MLOPS_DOCKER_*` in the environment),
read when a run starts so the server, the scheduler and the CLI all honour them)."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ....config import env_name, settings
from ....errors import BackendError
from ..base import Execution
from .engine import BASE_IMAGE

#: Who a container runs as when the host user is root and the notebook's folder belongs to root.
FALLBACK_USER = "10001:10001"

_MEMORY = re.compile(r"^(\d+(?:\.\d+)?)([kmg]?)b?$")
_UNITS = {"": 1, "k": 1024, "m": 1024**2, "g": 1024**3}


def memory_bytes(text: str, where: str) -> int:
    match = _MEMORY.match(text.strip().lower())
    if not match:
        raise BackendError(f"{where}: {text!r} is not a memory size like 512m or 2g")
    return int(float(match.group(1)) * _UNITS[match.group(2)])


@dataclass(frozen=True)
class ContainerOptions:
    image: str
    memory: str  # as given, for messages and the run record
    memory_bytes: int
    cpus: float
    gpus: int
    pids_limit: int
    user: str  # uid:gid
    network: str


def _positive(setting: str, value: float) -> float:
    if value <= 0:
        raise BackendError(f"setting {setting} ({env_name(setting)}) = {value!r} must be positive")
    return value


def default_image() -> str:
    return settings().docker_image or BASE_IMAGE


def _single_image(steps: list[dict[str, Any]]) -> str | None:
    images = {s["name"]: s["image"] for s in steps if s.get("image")}
    if len(set(images.values())) > 1:
        listed = ", ".join(f"{name}: {image}" for name, image in images.items())
        raise BackendError(f"steps ask for different images ({listed}); one container runs the whole notebook: "
                           "pass --image, or run the steps separately with --steps")
    return next(iter(images.values()), None)


def container_user(source_dir: Path) -> str:
    """Never root: the host user itself, or (host user root) the notebook folder's owner."""
    user = settings().docker_user
    if user:
        uid, _, gid = user.partition(":")
        where = f"setting docker_user ({env_name('docker_user')})"
        # Numbers, because the run's files are handed to this uid on the host.
        if not uid.isdigit() or not (gid or uid).isdigit():
            raise BackendError(f"{where} = {user!r}: give a numeric uid:gid, e.g. 1000:1000")
        if int(uid) == 0:
            raise BackendError(f"{where} = {user!r}: run containers never run as root")
        return f"{uid}:{gid or uid}"
    if os.getuid() != 0:
        return f"{os.getuid()}:{os.getgid()}"
    owner = source_dir.stat()
    if owner.st_uid != 0:
        return f"{owner.st_uid}:{owner.st_gid}"
    if owner.st_mode & 0o005 != 0o005:
        raise BackendError(f"{source_dir} belongs to root with mode {owner.st_mode & 0o777:o}, so the container's "
                           f"non-root user {FALLBACK_USER} cannot read it: `chmod o+rx` it, give it to a regular "
                           f"user (chown), or set docker_user ({env_name('docker_user')})")
    return FALLBACK_USER


def resolve(execution: Execution, steps: list[dict[str, Any]]) -> ContainerOptions:
    """`steps`: the plan's step entries of the prepared notebook (with image/cpus/memory/gpus)."""
    configured = settings()
    image = execution.image or _single_image(steps) or default_image()

    asked = [s["memory"] for s in steps if s.get("memory")]
    if execution.memory:
        memory, where = execution.memory, "--memory"
    elif asked:
        memory, where = max(asked, key=lambda m: memory_bytes(m, "step --memory")), "step --memory"
    else:
        memory, where = configured.docker_memory, f"setting docker_memory ({env_name('docker_memory')})"

    step_cpus = [float(s["cpus"]) for s in steps if s.get("cpus")]
    cpus = execution.cpus or (max(step_cpus) if step_cpus else None)
    if cpus is None:
        # The default never asks for more than the machine has (the engine would refuse).
        cpus = min(_positive("docker_cpus", configured.docker_cpus), float(os.cpu_count() or 1))

    return ContainerOptions(
        image=image, memory=memory, memory_bytes=memory_bytes(memory, where), cpus=cpus,
        gpus=max([int(s.get("gpus") or 0) for s in steps] or [0]),
        pids_limit=int(_positive("docker_pids_limit", configured.docker_pids_limit)),
        user=container_user(execution.source_dir), network=execution.network)
