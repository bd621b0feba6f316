"""The `docker` backend: papermill with the step-aware engine, inside a locked-down container.

The container sees the notebook's folder (read-only unless `writable_source`) as its working
directory, the run's files (input and output notebook, log, and `files/` for what the run
writes, `$MLOPS_OUTPUT_DIR`), and — on an image without jupyter_mlops — the host's own
jupyter_mlops package, read-only, for the engine. It runs as a non-root user with no network
(unless `host` is asked for), a read-only root with a tmpfs `/tmp` as HOME, no capabilities,
no-new-privileges and memory / CPU / pids limits. The output notebook it writes is read back
like a local run's, so per-step results are the same.

Every container carries its run id and its owner process in labels: it is removed when the
run ends however it ends, and if the owner was killed outright, the next run reaps it.

A batch runs its points in a few long-lived containers with the same lockdown instead, one
per parallel slot, each point a fresh kernel forked there (see `slots`).
"""

from __future__ import annotations

import json
import os
import sys
import threading
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path, PurePosixPath
from typing import Any

import docker
import nbformat
import requests
from docker.models.containers import Container
from docker.models.images import Image
from docker.types import DeviceRequest, Mount

import jupyter_mlops

from ....errors import BackendError, MLOpsError
from ....secrets.masking import Masker
from ...in_container import EVENT_PREFIX, EXECUTING
from ...model import RunStatus
from ...plan import PLAN_KEY
from ..base import Backend, BackendOutcome, Execution, StepEventSink
from .engine import (LABEL_OWNER, LABEL_PACKAGE_VERSION, LABEL_RUN, connect, engine_address,
                     find_image, owner_token, reap_orphans)
from .options import ContainerOptions, default_image, resolve

RUN_DIR = PurePosixPath("/mlops/run")
SOURCE_DIR = PurePosixPath("/mlops/src")
CWD_DIR = PurePosixPath("/mlops/cwd")
LIB_DIR = PurePosixPath("/mlops/lib")
FILES = "files"
#: The engine interrupts a cell at the run timeout itself; the container is killed this many
#: seconds later only if the cell ignored the interrupt. Both count from the first cell.
KILL_GRACE = 10.0


class DockerBackend(Backend):
    name = "docker"

    def availability(self) -> tuple[bool, str]:
        try:
            find_image(connect(timeout=5), default_image())
        except MLOpsError as error:
            return False, str(error)
        return True, f"Docker engine at {engine_address()}"

    def images(self) -> list[str]:
        # Only local images: runs never pull, so nothing else could be chosen.
        try:
            return sorted(tag for image in connect(timeout=5).images.list() for tag in image.tags)
        except MLOpsError:
            return []

    def kernel_pool(self, execution: Execution, *, slots: int, total: int, preload: list[str]) -> Any:
        from .slots import ContainerKernelPool  # it imports this module

        return ContainerKernelPool(execution, slots=slots, total=total, preload=preload)

    def execute(self, execution: Execution, on_step_event: StepEventSink) -> BackendOutcome:
        if execution.kernel_manager is not None:  # a point of a batch, on a kernel of its slot container
            from .slots import execute_in_slot

            return execute_in_slot(execution, on_step_event)
        try:
            client = connect()
            reap_orphans(client)
            plan = nbformat.read(execution.input_notebook, as_version=4).metadata.get(PLAN_KEY, {})
            options = resolve(execution, plan.get("steps", []))
            image = find_image(client, options.image)
        except MLOpsError as error:  # no engine, no image, bad limits: the run fails saying why
            return _outcome(execution, {}, RunStatus.failed, str(error))
        with _run_files(execution, options.user) as files:
            try:
                container = client.containers.create(**_container_config(execution, options, image, files))
            except MLOpsError as error:
                return _outcome(execution, {}, RunStatus.failed, str(error))
            except docker.errors.APIError as error:
                return _outcome(execution, {}, RunStatus.failed,
                                f"the Docker engine refused the container: {error.explanation or error}")
            try:
                return _supervise(container, execution, options, image, on_step_event)
            finally:
                _remove(container)


# -- the container's view ---------------------------------------------------------------


@contextmanager
def _run_files(execution: Execution, user: str) -> Iterator[Path]:
    """The run's files, writable by the container's user while it runs, the host's after."""
    files = execution.output_notebook.parent / FILES
    files.mkdir(exist_ok=True)
    for path in (execution.output_notebook, execution.log_path):
        path.touch()  # bind-mounted one by one: the container sees no other file of the run
    handed = [files, execution.input_notebook, execution.output_notebook, execution.log_path]
    if os.getuid() == 0:  # otherwise the container runs as this very user
        uid, gid = (int(part) for part in user.split(":"))
        for path in handed:
            os.chown(path, uid, gid)
    try:
        yield files
    finally:
        if execution.output_notebook.stat().st_size == 0:
            execution.output_notebook.unlink()  # never written: no output notebook, as locally
        if os.getuid() == 0:
            owner = execution.output_notebook.parent.stat()
            for path in [*handed, *files.rglob("*")]:
                if path.exists() or path.is_symlink():
                    os.lchown(path, owner.st_uid, owner.st_gid)


def _working_dir(execution: Execution, mode_rw: bool, mounts: list[Mount]) -> PurePosixPath:
    source = execution.source_dir.resolve()
    mounts.append(Mount(str(SOURCE_DIR), str(source), type="bind", read_only=not mode_rw))
    if execution.cwd is None:
        return SOURCE_DIR
    cwd = execution.cwd.resolve()
    if cwd.is_relative_to(source):
        return SOURCE_DIR / cwd.relative_to(source).as_posix()
    mounts.append(Mount(str(CWD_DIR), str(cwd), type="bind", read_only=not mode_rw))
    return CWD_DIR


def _container_config(execution: Execution, options: ContainerOptions, image: Image, files: Path) -> dict[str, Any]:
    if execution.writable_source and os.getuid() == 0 and execution.source_dir.stat().st_uid == 0:
        raise BackendError(
            f"--writable-source: {execution.source_dir} belongs to root and run containers never run as root; "
            f"give the folder to a regular user (chown) or write into $MLOPS_OUTPUT_DIR instead")
    mounts = [
        Mount(str(RUN_DIR / execution.input_notebook.name), str(execution.input_notebook), type="bind",
              read_only=True),
        Mount(str(RUN_DIR / execution.output_notebook.name), str(execution.output_notebook), type="bind"),
        Mount(str(RUN_DIR / execution.log_path.name), str(execution.log_path), type="bind"),
        Mount(str(RUN_DIR / FILES), str(files), type="bind"),
    ]
    workdir = _working_dir(execution, execution.writable_source, mounts)
    environment = {
        **execution.environment,  # the run's own variables and secrets; ours below win
        **_base_environment(image, mounts), "JUPYTER_MLOPS_RUN_ID": execution.run_id,
    }
    job = {
        "input_notebook": str(RUN_DIR / execution.input_notebook.name),
        "output_notebook": str(RUN_DIR / execution.output_notebook.name),
        "log_path": str(RUN_DIR / execution.log_path.name),
        "parameters": execution.parameters, "kernel_name": execution.kernel_name, "cwd": str(workdir),
        "execution_timeout": execution.execution_timeout, "log_output": execution.log_output,
        "save_each_cell": execution.save_each_cell,
        "mask_variables": sorted(execution.secret_variables),  # names only: values travel in the environment
    }
    return dict(
        image=image.id,  # by id: exactly the image looked up, never a registry lookup
        command=["python", "-m", "jupyter_mlops.run.in_container", json.dumps(job)],
        name=f"jupyter-mlops-{execution.run_id}",
        labels={LABEL_RUN: execution.run_id, LABEL_OWNER: owner_token()},
        working_dir=str(workdir), environment=environment, mounts=mounts, **locked_down(options),
    )


def _base_environment(image: Image, mounts: list[Mount]) -> dict[str, str]:
    """What every kernel of a run or batch container gets (and the host's package, if the image lacks it)."""
    environment = {"HOME": "/tmp", "PYTHONUNBUFFERED": "1", "PYTHONDONTWRITEBYTECODE": "1",
                   "MLOPS_OUTPUT_DIR": str(RUN_DIR / FILES)}
    if LABEL_PACKAGE_VERSION not in (image.labels or {}):
        package = Path(jupyter_mlops.__file__).parent
        mounts.append(Mount(str(LIB_DIR / "jupyter_mlops"), str(package), type="bind", read_only=True))
        environment["PYTHONPATH"] = str(LIB_DIR)
    return environment


def locked_down(options: ContainerOptions) -> dict[str, Any]:
    """The lockdown and limits of every run and batch container."""
    return dict(
        user=options.user, network_mode=options.network, read_only=True,
        tmpfs={"/tmp": "rw,nosuid,nodev,mode=1777"},
        cap_drop=["ALL"], security_opt=["no-new-privileges"], init=True,  # init reaps the kernel's zombies
        mem_limit=options.memory_bytes, memswap_limit=options.memory_bytes,  # no swap past the limit
        nano_cpus=int(options.cpus * 1e9), pids_limit=options.pids_limit,
        device_requests=[DeviceRequest(count=options.gpus, capabilities=[["gpu"]])] if options.gpus else None,
    )


# -- watching it run --------------------------------------------------------------------


class _Lines:
    """Splits a byte stream that arrives in arbitrary chunks into text lines."""

    def __init__(self) -> None:
        self.pending = b""

    def feed(self, chunk: bytes | None) -> list[str]:
        if not chunk:
            return []
        *lines, self.pending = (self.pending + chunk).split(b"\n")
        return [line.decode("utf-8", "replace") for line in lines]


class _Output:
    """The container's output: step events on stdout, anything else it says on stderr."""

    def __init__(self, on_step_event: StepEventSink, on_executing: Callable[[], None], echo: bool,
                 masker: Masker) -> None:
        self.on_step_event = on_step_event
        self.masker = masker
        self.on_executing = on_executing
        self.echo = echo
        self.stdout, self.stderr = _Lines(), _Lines()
        self.stderr_tail: deque[str] = deque(maxlen=20)
        self.last_step: str | None = None  # the step a kill or an OOM interrupted

    def feed(self, out: bytes | None, err: bytes | None) -> None:
        for line in self.stdout.feed(out):
            if line.startswith(EVENT_PREFIX):
                event = json.loads(line[len(EVENT_PREFIX):])
                if event["event"] == EXECUTING:
                    self.on_executing()
                    continue
                if event["event"] == "started":
                    self.last_step = event["step"]
                self.on_step_event(event["step"], event["event"], event["details"])
        for line in self.stderr.feed(err):
            line = self.masker.text(line)  # whatever the container says on its own, a secret included
            self.stderr_tail.append(line)
            if self.echo:
                print(line, file=sys.stderr, flush=True)

    def last_words(self) -> str:
        return next((line for line in reversed(self.stderr_tail) if line.strip()), "no message")


def _supervise(container: Container, execution: Execution, options: ContainerOptions, image: Image,
               on_step_event: StepEventSink) -> BackendOutcome:
    info = {"image": options.image, "image_id": image.id, "memory": options.memory, "cpus": options.cpus,
            "network": options.network, "user": options.user}
    stream = container.client.api.attach(container.id, stream=True, logs=True, demux=True)
    killed_at_deadline = threading.Event()

    def kill_at_deadline() -> None:
        killed_at_deadline.set()
        _kill(container)

    timer = (threading.Timer(execution.run_timeout + KILL_GRACE, kill_at_deadline)
             if execution.run_timeout else None)
    output = _Output(on_step_event, on_executing=timer.start if timer else lambda: None, echo=execution.log_output,
                     masker=execution.masker)
    try:
        container.start()
    except docker.errors.APIError as error:  # e.g. GPUs asked for where the engine has none
        return _outcome(execution, info, RunStatus.failed,
                        f"the Docker engine could not start the container: {error.explanation or error}")
    try:
        for out, err in stream:
            output.feed(out, err)
        info["exit_code"] = container.wait()["StatusCode"]
        container.reload()
    except KeyboardInterrupt:  # cancelled: stop the container before the executor records it
        _kill(container)
        raise
    except (docker.errors.DockerException, requests.exceptions.RequestException) as error:
        return _outcome(execution, info, RunStatus.failed, f"lost contact with the Docker engine during the run: {error}")
    finally:
        if timer:
            timer.cancel()
    where = f" in step {output.last_step!r}" if output.last_step else ""
    if killed_at_deadline.is_set():
        return _outcome(execution, info, RunStatus.timed_out,
                        f"the run exceeded its timeout of {execution.run_timeout:g} s{where}; the cell ignored the "
                        f"interrupt, so its container was killed {KILL_GRACE:g} s later")
    if container.attrs["State"].get("OOMKilled"):
        return _outcome(execution, info, RunStatus.failed,
                        f"out of memory{where}: the container reached its memory limit of {options.memory} "
                        "(raise it with --memory or the step's --memory)")
    if info["exit_code"] != 0:
        return _outcome(execution, info, RunStatus.failed,
                        f"the container exited with status {info['exit_code']}: {output.last_words()}")
    return BackendOutcome(info=info)


def _outcome(execution: Execution, info: dict[str, Any], status: RunStatus, error: str) -> BackendOutcome:
    error = execution.masker.text(error)
    with open(execution.log_path, "a", encoding="utf-8") as log:
        log.write(f"[mlops] {error}\n")
    return BackendOutcome(status=status, error=error, info=info)


def _remove(container: Container) -> None:
    try:
        container.remove(force=True)
    except (docker.errors.DockerException, requests.exceptions.RequestException):
        pass  # the engine went away; its label lets the next run on it reap the container


def _kill(container: Container) -> None:
    try:
        container.kill()
    except docker.errors.APIError:
        pass  # it has already stopped
