"""Docker batches at nearly local speed: one locked-down container per parallel slot.

Each slot is a container with exactly the lockdown and limits of a run's container (see
`locked_down`) running the kernel fork server `jupyter_mlops.batch.slotserver`, which has
imported ipykernel and the notebook's modules once. Every point of the batch gets a fresh
kernel forked there; papermill runs on the host, as for a local batch, and talks to the
kernel over unix sockets in a folder mounted into the container, so no network is needed.

A slot serves one point at a time. When a point ends, every process it started is killed,
the container's /tmp and /dev/shm are emptied, the files it wrote to $MLOPS_OUTPUT_DIR are
moved into its run's folder, and only then is the slot's next kernel forked — while the host
records the finished run, which hides most of the start. So no two points ever share a
container at the same time, and a point finds nothing of those before it in its slot.

Each container carries its owner process in a label: the batch removes it however it ends,
the fork server exits (and the container stops) when the batch's connection drops, and the
next run or batch reaps what a killed client left behind.
"""

from __future__ import annotations

import asyncio
import json
import os
import queue
import shutil
import signal
import socket
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path, PurePosixPath
from typing import Any

import docker
import nbformat
import papermill
import requests
import zmq.asyncio
from docker.models.containers import Container
from docker.types import Mount
from jupyter_client.kernelspec import KernelSpec
from jupyter_client.provisioning import LocalProvisioner
from papermill.exceptions import PapermillExecutionError

from ....batch.kernels import LAUNCHER, PooledKernelManager, next_ready
from ....errors import BackendError, BatchError
from ... import engine
from ...model import RunStatus
from ...plan import PLAN_KEY
from ..base import BackendOutcome, Execution, StepEventSink
from . import FILES, KILL_GRACE, RUN_DIR, _base_environment, _outcome, _working_dir, locked_down
from .engine import LABEL_OWNER, LABEL_SLOT, SLOT_FOLDER_PREFIX, connect, find_image, owner_token, reap_orphans
from .options import ContainerOptions, resolve

KERNELS_DIR = PurePosixPath("/mlops/kernels")
SERVER_SOCKET = "server.sock"
#: How long a slot's fork server may take to import everything (a loaded machine is slow).
START_TIMEOUT = 300.0


class Slot:
    """One container running the fork server, and the connection to it (thread-safe)."""

    def __init__(self, index: int, pool_id: str, options: ContainerOptions) -> None:
        self.index = index
        self.label = f"{pool_id}-{index}"
        self.options = options
        self.folder = Path(tempfile.mkdtemp(prefix=SLOT_FOLDER_PREFIX))
        self.kernels = self.folder / "kernels"  # connection files and the kernels' sockets
        self.files = self.folder / FILES  # the point's $MLOPS_OUTPUT_DIR
        for folder in (self.kernels, self.files):
            folder.mkdir()
            if os.getuid() == 0:  # otherwise the container runs as this very user
                os.chown(folder, *self.ids)
        self.container: Container | None = None
        self.server_kernels: dict[str, dict[str, Any]] = {}
        self._socket: socket.socket | None = None
        self._replies: Any = None
        self._lock = threading.Lock()

    @property
    def ids(self) -> tuple[int, int]:
        uid, gid = self.options.user.split(":")
        return int(uid), int(gid)

    def start(self, client: docker.DockerClient, config: dict[str, Any], modules: list[str]) -> None:
        mounts = [*config["mounts"], Mount(str(KERNELS_DIR), str(self.kernels), type="bind"),
                  Mount(str(RUN_DIR / FILES), str(self.files), type="bind")]
        try:
            self.container = client.containers.create(
                **{**config, "mounts": mounts},
                command=["python", "-m", "jupyter_mlops.batch.slotserver", str(KERNELS_DIR / SERVER_SOCKET),
                         *modules],
                name=f"jupyter-mlops-slot-{self.label}", labels={LABEL_SLOT: self.label, LABEL_OWNER: owner_token()})
            self.container.start()
        except docker.errors.APIError as error:
            raise BackendError(f"the Docker engine refused the batch's container: {error.explanation or error}") \
                from None
        path = self.kernels / SERVER_SOCKET
        started = last_look = time.monotonic()
        while not path.exists():  # the socket appears within a second; the engine is asked less often
            if time.monotonic() - last_look > 0.5:
                last_look = time.monotonic()
                self.container.reload()
                if self.container.status not in ("created", "running"):
                    raise BackendError(f"image {self.options.image} cannot run the kernel fork server of a docker "
                                       f"batch: {self._last_words()}")
                if last_look - started > START_TIMEOUT:
                    raise BackendError(f"the kernel fork server in image {self.options.image} did not start within "
                                       f"{START_TIMEOUT:g} s: {self._last_words()}")
            time.sleep(0.01)
        try:
            self._socket = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            self._socket.connect(str(path))
            self._replies = self._socket.makefile("r")
            ready = self._read()  # once the server has imported everything
        except (OSError, BackendError):
            try:
                self.container.wait(timeout=10)  # its last words are written
            except (docker.errors.DockerException, requests.exceptions.RequestException):
                pass
            raise BackendError(f"image {self.options.image} cannot run the kernel fork server of a docker batch: "
                               f"{self._last_words()}") from None
        self.server_kernels = ready["kernels"]

    def _last_words(self) -> str:
        try:
            lines = self.container.logs(stdout=True, stderr=True, tail=20).decode("utf-8", "replace").splitlines()
        except (docker.errors.DockerException, requests.exceptions.RequestException):
            return "the container is gone"
        return next((line for line in reversed(lines) if line.strip()), "it said nothing")

    def _read(self) -> dict[str, Any]:
        try:
            line = self._replies.readline() if self._replies else ""
        except OSError:  # e.g. reset: the container died with our request unread
            line = ""
        if not line:
            raise BackendError(f"the batch's container {self.label} stopped: {self._last_words()}")
        return json.loads(line)

    def request(self, **message: Any) -> dict[str, Any]:
        """One request and its reply; BackendError (never another error) once the container is gone,
        which callers such as a kernel's liveness check take as the kernel's death."""
        with self._lock:
            if self._socket is None:
                raise BackendError(f"the batch's container {self.label} is closed")
            try:
                self._socket.sendall((json.dumps(message) + "\n").encode())
            except OSError:
                raise BackendError(f"the batch's container {self.label} stopped: {self._last_words()}") from None
            return self._read()

    def alive(self, pid: int) -> bool:
        try:
            return self.request(alive=pid)["alive"]
        except BackendError:  # the container is gone, and the kernel with it
            return False

    def signal(self, pid: int, signum: int) -> None:
        try:
            self.request(signal=pid, signum=signum)
        except BackendError:
            pass  # the container is gone, and the kernel with it

    def kill(self) -> None:
        """Kill the container now (from any thread): its kernel dies with it."""
        if self.container is not None:
            try:
                self.container.kill()
            except (docker.errors.DockerException, requests.exceptions.RequestException):
                pass  # already stopped

    def close(self) -> None:
        with self._lock:
            if self._replies is not None:
                self._replies.close()
                self._replies = None
            if self._socket is not None:
                self._socket.close()  # the server kills everything and exits
                self._socket = None
        if self.container is not None:
            try:
                self.container.remove(force=True)
            except (docker.errors.DockerException, requests.exceptions.RequestException):
                pass  # the engine went away; the owner label lets the next run reap it
        shutil.rmtree(self.folder, ignore_errors=True)


class _SlotProcess:
    """The slice of `subprocess.Popen` that LocalProvisioner uses, for a kernel in a slot."""

    stdin = stdout = stderr = None

    def __init__(self, slot: Slot, pid: int) -> None:
        self.slot = slot
        self.pid = pid

    def poll(self) -> int | None:
        return None if self.slot.alive(self.pid) else -1

    def wait(self) -> int | None:
        return self.poll()

    def send_signal(self, signum: int) -> None:
        self.slot.signal(self.pid, signum)  # to its process group, inside the container

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)

    def terminate(self) -> None:
        self.send_signal(signal.SIGTERM)


class SlotProvisioner(LocalProvisioner):
    """LocalProvisioner (connection file, ipc sockets) with the process forked in a slot."""

    def __init__(self, slot: Slot, environment: dict[str, str], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.slot = slot
        self.environment = environment

    async def launch_kernel(self, cmd: list[str], **kwargs: Any) -> dict[str, Any]:
        # The kernel reads a copy of the connection file that names the sockets by their
        # path inside the container; the host connects to the same sockets by theirs.
        host_file = Path(self.parent.connection_file)
        inside = host_file.with_name(f"{host_file.stem}-inside.json")
        info = json.loads(host_file.read_text())
        info["ip"] = str(KERNELS_DIR / Path(info["ip"]).name)
        inside.write_text(json.dumps(info))
        if os.getuid() == 0:
            os.chown(inside, *self.slot.ids)
        inside.chmod(0o600)
        argv = [str(KERNELS_DIR / inside.name) if arg == str(host_file) else arg
                for arg in cmd[cmd.index(LAUNCHER) + 1:]]
        # Only the batch's variables and secrets (in memory, over the slot's socket) on top of
        # the container's own environment: nothing of the host's.
        reply = self.slot.request(fork={"argv": argv, "cwd": str(kwargs["cwd"]), "env": self.environment})
        self.process = _SlotProcess(self.slot, reply["pid"])
        self.pid = reply["pid"]
        self.pgid = None  # signals go through the slot, to the kernel's group in the container
        self.cwd = kwargs["cwd"]
        self.parent.oom_kills_at_start = reply["oom_kills"]
        return self.connection_info


class SlotKernelManager(PooledKernelManager):
    """A kernel of a slot: its pool and slot, and the slot's OOM kills when it was forked."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.pool: ContainerKernelPool | None = None
        self.slot: Slot | None = None
        self.oom_kills_at_start: int | None = None
        self.released = False


class ContainerKernelPool:
    """`slots` containers, each forking the next kernel once its previous point is released."""

    def __init__(self, execution: Execution, *, slots: int, total: int, preload: list[str]) -> None:
        client = connect()
        reap_orphans(client)
        prepared = nbformat.read(execution.input_notebook, as_version=4)
        self.options = resolve(execution, prepared.metadata.get(PLAN_KEY, {}).get("steps", []))
        self.image = find_image(client, self.options.image)
        self.kernel_name = execution.kernel_name or prepared.metadata.get("kernelspec", {}).get("name", "python3")
        # Every run of a batch has the same variables and secrets: the kernels, forked before
        # their run is known, start with them.
        self.environment = execution.environment
        mounts: list[Mount] = []
        self.workdir = _working_dir(execution, execution.writable_source, mounts)
        config = dict(image=self.image.id, working_dir=str(self.workdir),
                      environment=_base_environment(self.image, mounts), mounts=mounts, **locked_down(self.options))
        pool_id = uuid.uuid4().hex[:12]
        self.slots = [Slot(index, pool_id, self.options) for index in range(min(slots, total))]
        self._unrequested = total
        self._closed = threading.Event()
        self._lock = threading.Lock()
        self._ready: queue.Queue[SlotKernelManager | BaseException] = queue.Queue()
        self._wanted = {slot.index: threading.Semaphore(1) for slot in self.slots}
        self._live: set[SlotKernelManager] = set()
        self._context = zmq.asyncio.Context()
        try:
            with ThreadPoolExecutor(len(self.slots)) as starting:  # the containers start side by side
                for started in [starting.submit(slot.start, client, config, preload) for slot in self.slots]:
                    started.result()
            self.spec = self._kernel_spec(self.slots[0].server_kernels)
        except BaseException:
            self.close()
            raise
        self._fillers = [threading.Thread(target=self._fill, args=(slot,), name=f"mlops-slot-{slot.index}",
                                          daemon=True) for slot in self.slots]
        for filler in self._fillers:
            filler.start()

    def _kernel_spec(self, kernels: dict[str, dict[str, Any]]) -> KernelSpec:
        found = kernels.get(self.kernel_name)
        if found is None:
            raise BackendError(f"image {self.options.image} has no kernel {self.kernel_name!r} (it has "
                               f"{', '.join(sorted(kernels)) or 'none'}): build an image with it, or choose "
                               f"another with --image")
        if not found["forkable"]:  # the runner falls back to a container per run
            raise BatchError(f"kernel {self.kernel_name!r} of image {self.options.image} is not the image's own "
                             "Python ipykernel, which only a container per run can start")
        return KernelSpec(argv=found["argv"], name=self.kernel_name, language=found["language"],
                          display_name=found["display_name"])

    def info(self, slot: Slot) -> dict[str, Any]:
        """What a run's record says about where it ran, as for a container per run."""
        options = self.options
        return {"image": options.image, "image_id": self.image.id, "memory": options.memory, "cpus": options.cpus,
                "network": options.network, "user": options.user, "container": slot.container.name}

    # -- kernels ------------------------------------------------------------------------

    def _start_one(self, slot: Slot) -> SlotKernelManager:
        kernel_id = uuid.uuid4().hex[:12]
        manager = SlotKernelManager(kernel_name=self.kernel_name, context=self._context, transport="ipc",
                                    ip=str(slot.kernels / kernel_id), kernel_id=kernel_id,
                                    connection_file=str(slot.kernels / f"kernel-{kernel_id}.json"))
        manager.pool, manager.slot = self, slot
        manager._kernel_spec = self.spec
        manager.provisioner = SlotProvisioner(slot, self.environment, kernel_id=kernel_id, kernel_spec=self.spec,
                                              parent=manager)
        asyncio.run(manager.start_kernel(cwd=str(self.workdir), extra_arguments=["--HistoryManager.hist_file=:memory:"]))
        return manager

    def _fill(self, slot: Slot) -> None:
        wanted = self._wanted[slot.index]
        while True:
            wanted.acquire()
            with self._lock:
                if self._closed.is_set() or self._unrequested == 0:
                    return
                self._unrequested -= 1
            try:
                manager = self._start_one(slot)
            except BaseException as error:  # handed to the run that would have used the kernel
                self._ready.put(error)
                wanted.release()  # that run gets no kernel to release: try again for the next one
                continue
            with self._lock:
                if self._closed.is_set():
                    self._discard(manager)
                    return
                self._live.add(manager)
            self._ready.put(manager)

    def take(self) -> SlotKernelManager:
        """A started kernel for one run, from whichever slot is free first."""
        return next_ready(self._ready, self._closed)

    def release(self, manager: SlotKernelManager, run_dir: Path | None = None) -> int | None:
        """End the point of `manager` (in its run's thread, once papermill is done): kill every
        process it started, empty the slot's scratch folders, move its files into `run_dir`
        (none: drop them), then let the slot fork its next kernel. Returns the slot's OOM kills
        during the point."""
        if manager.released:
            return None
        manager.released = True
        slot = manager.slot
        try:
            oom_kills = slot.request(release=True)["oom_kills"]
        except BackendError:  # the container is gone (the batch was cancelled)
            return None
        if run_dir is not None:
            files = run_dir / FILES
            files.mkdir(exist_ok=True)
            owner = run_dir.stat()
        for path in list(slot.files.iterdir()):
            if run_dir is None:
                shutil.rmtree(path) if path.is_dir() and not path.is_symlink() else path.unlink()
                continue
            target = files / path.name
            shutil.move(path, target)
            if os.getuid() == 0:
                for moved in [target, *(target.rglob("*") if target.is_dir() else [])]:
                    os.lchown(moved, owner.st_uid, owner.st_gid)
        self._wanted[slot.index].release()
        before = manager.oom_kills_at_start
        return oom_kills - before if oom_kills is not None and before is not None else None

    def discard(self, manager: SlotKernelManager) -> None:
        """After the kernel's one run, in the thread that ran it: close its sockets and files."""
        with self._lock:
            self._live.discard(manager)
        if not self._closed.is_set():
            self.release(manager)  # a run that failed before its notebook ran: free the slot
        self._discard(manager)

    @staticmethod
    def _discard(manager: SlotKernelManager) -> None:
        for client in manager.handed_out:
            client.stop_channels()
        asyncio.run(manager.cleanup_resources())  # connection file and the sockets' files
        Path(manager.connection_file).with_name(f"{Path(manager.connection_file).stem}-inside.json").unlink(
            missing_ok=True)

    def stop(self) -> None:
        """Kill every container now, from any thread: a run executing sees its kernel die."""
        with self._lock:
            if self._closed.is_set():
                return
            self._closed.set()
        for wanted in self._wanted.values():
            wanted.release()  # wakes the fillers, which see the pool closed and return
        with ThreadPoolExecutor(len(self.slots)) as killing:
            list(killing.map(Slot.kill, self.slots))

    def close(self) -> None:
        """Once no thread uses a kernel any more: remove the containers and free the sockets."""
        self._closed.set()
        for wanted in self._wanted.values():
            wanted.release()
        for filler in getattr(self, "_fillers", []):
            filler.join()
        while not self._ready.empty():
            ready = self._ready.get()
            if not isinstance(ready, BaseException):
                self._discard(ready)
        with self._lock:
            live, self._live = list(self._live), set()
        for manager in live:
            self._discard(manager)
        with ThreadPoolExecutor(len(self.slots)) as closing:
            list(closing.map(Slot.close, self.slots))
        self._context.destroy(linger=0)


def execute_in_slot(execution: Execution, on_step_event: StepEventSink) -> BackendOutcome:
    """Run one point of a docker batch on the slot kernel in `execution.kernel_manager`."""
    manager: SlotKernelManager = execution.kernel_manager
    pool, slot = manager.pool, manager.slot
    info = pool.info(slot)
    steps: list[str] = []

    def on_event(step: str, event: str, details: dict[str, Any]) -> None:
        if event == "started":
            steps.append(step)  # the step a kill or an OOM interrupted
        on_step_event(step, event, details)

    killed_at_deadline = threading.Event()

    def kill_at_deadline() -> None:
        killed_at_deadline.set()
        slot.signal(manager.provisioner.pid, signal.SIGKILL)

    timer = (threading.Timer(execution.run_timeout + KILL_GRACE, kill_at_deadline)
             if execution.run_timeout else None)

    def cell_started(**_hook_arguments: Any) -> None:
        if timer and not timer.is_alive() and not timer.finished.is_set():
            timer.start()  # the run's timeout counts from the first cell, as in the engine

    error = None
    with open(execution.log_path, "a", encoding="utf-8") as log:
        try:
            papermill.execute_notebook(
                str(execution.input_notebook), str(execution.output_notebook),
                parameters=execution.parameters, engine_name=engine.ENGINE_NAME, km=manager, cwd=None,
                request_save_on_cell_execute=execution.save_each_cell,
                execution_timeout=execution.execution_timeout, log_output=execution.log_output,
                progress_bar=False, on_cell_start=cell_started,
                mlops_on_step_event=on_event, mlops_log=log, mlops_echo=execution.log_output,
                mlops_environment={"JUPYTER_MLOPS_RUN_ID": execution.run_id},  # the kernel predates the run
                mlops_mask=execution.secret_values,
            )
        except PapermillExecutionError:
            pass  # the engine recorded which step failed and why in the output notebook
        except Exception as failure:  # the kernel died, the notebook could not be written…
            error = f"{type(failure).__name__}: {failure}"
        finally:
            if timer:
                timer.cancel()
            oom_kills = pool.release(manager, execution.output_notebook.parent)
    where = f" in step {steps[-1]!r}" if steps else ""
    if killed_at_deadline.is_set():
        return _outcome(execution, info, RunStatus.timed_out,
                        f"the run exceeded its timeout of {execution.run_timeout:g} s{where}; the cell ignored the "
                        f"interrupt, so its kernel was killed {KILL_GRACE:g} s later")
    if oom_kills:
        return _outcome(execution, info, RunStatus.failed,
                        f"out of memory{where}: the batch's container reached its memory limit of "
                        f"{pool.options.memory} (raise it with --memory or the step's --memory)")
    if error is not None:
        return _outcome(execution, info, RunStatus.failed, error)
    return BackendOutcome(info=info)
