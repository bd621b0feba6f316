"""The Docker engine as jupyter-mlops uses it: one client, images looked up and never pulled,
run and batch-slot containers labelled with their owner process and reaped once that process is gone."""

from __future__ import annotations

import os
import shutil
import socket
from pathlib import Path

import docker
from docker.models.images import Image

from ....errors import ContainerEngineError, ImageNotFoundError

LABEL_RUN = "jupyter-mlops.run-id"
#: "<pool id>-<slot>" of a docker batch's slot container (which serves many runs).
LABEL_SLOT = "jupyter-mlops.batch-slot"
#: "<host>:<pid>:<process start time>" of the process that started the container.
LABEL_OWNER = "jupyter-mlops.owner"
#: Images made by `jupyter-mlops image build` carry jupyter_mlops; others get the host's mounted.
LABEL_PACKAGE_VERSION = "jupyter-mlops.version"
BASE_IMAGE = "jupyter-mlops-base:bookworm"

SETUP_HINT = "start one with scripts/setup-docker.sh (as root), or point DOCKER_HOST at a running engine"


def engine_address() -> str:
    return os.environ.get("DOCKER_HOST", "unix:///var/run/docker.sock")


def connect(timeout: float = 60) -> docker.DockerClient:
    """A client for the engine at DOCKER_HOST (API version negotiated with the engine)."""
    try:
        client = docker.from_env(timeout=timeout)
        client.ping()
    except docker.errors.DockerException as error:
        raise ContainerEngineError(f"no Docker engine answers at {engine_address()} ({error}); {SETUP_HINT}") from None
    return client


def find_image(client: docker.DockerClient, name: str) -> Image:
    """The image from the local engine. Never pulls: a lookup by name that misses would."""
    try:
        return client.images.get(name)
    except docker.errors.ImageNotFound:
        hint = ("run scripts/setup-docker.sh to build it" if name == BASE_IMAGE
                else f"build it with `jupyter-mlops image build --tag {name}`")
        raise ImageNotFoundError(f"image {name!r} is not in the Docker engine at {engine_address()} and images "
                                 f"are never pulled: {hint}") from None


def _start_time(pid: int) -> str | None:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # Field 22 (start time); split after the command name, which may contain spaces.
    return stat.rpartition(")")[2].split()[19]


def owner_token() -> str:
    """Identifies this process beyond its pid, which the system reuses."""
    return f"{socket.gethostname()}:{os.getpid()}:{_start_time(os.getpid())}"


def _owner_alive(token: str) -> bool:
    host, _, rest = token.partition(":")
    pid, _, started = rest.partition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return True  # another machine's client: not ours to judge
    return _start_time(int(pid)) == started


#: The prefix of a batch slot's folder on this host (slots.py), mounted into its container.
SLOT_FOLDER_PREFIX = "mlops-slot-"


def _remove_slot_folder(container: docker.models.containers.Container) -> None:
    """The host folder a killed client's slot container had mounted (its sockets, its files)."""
    for mount in container.attrs.get("Mounts", []):
        folder = Path(mount.get("Source", "")).parent
        if folder.name.startswith(SLOT_FOLDER_PREFIX):
            shutil.rmtree(folder, ignore_errors=True)


def reap_orphans(client: docker.DockerClient) -> list[str]:
    """Remove run and batch-slot containers whose owning process died (e.g. SIGKILL); returns
    their run ids (a slot's: its LABEL_SLOT)."""
    reaped = []
    # A container another process removes between the listing and its inspection is skipped, not an error.
    for container in client.containers.list(all=True, filters={"label": LABEL_OWNER}, ignore_removed=True):
        if not _owner_alive(container.labels.get(LABEL_OWNER, "")):
            try:
                container.remove(force=True)
            except docker.errors.NotFound:
                continue  # another process reaped it first
            if LABEL_SLOT in container.labels:
                _remove_slot_folder(container)
            reaped.append(container.labels.get(LABEL_RUN) or container.labels.get(LABEL_SLOT, container.name))
    return reaped
