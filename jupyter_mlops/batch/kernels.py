"""A pool of fresh kernels forked ahead of need: each serves exactly one run, then is killed.

The kernels come from a fork server (see `forkserver`) that has already imported ipykernel and
the modules the notebook needs, so a new kernel costs a fork and IPython's own set-up instead
of a new interpreter. A filler thread keeps `spare` kernels starting while runs execute, so a
run normally finds its kernel ready; a kernel is never reused, so every run starts clean.

To nbclient a pooled kernel is an ordinary `AsyncKernelManager`; only its provisioner differs
(it asks the fork server for the process instead of spawning one), and its client, which knows
the kernel is ready without waiting for IOPub to fall quiet.
"""

from __future__ import annotations

import math
import os
import queue
import shutil
import signal
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from queue import Empty
from typing import Any

import zmq.asyncio
from jupyter_client.asynchronous import AsyncKernelClient
from jupyter_client.kernelspec import KernelSpec, KernelSpecManager, NoSuchKernel
from jupyter_client.manager import AsyncKernelManager
from jupyter_core.paths import jupyter_path
from jupyter_client.provisioning import LocalProvisioner
from jupyter_core.utils import run_sync
from traitlets import Type

from ..errors import BatchError
from ..run.plan import RUN_CONTEXT_FILE_ENV
from .forkserver import ForkServer

LAUNCHER = "ipykernel_launcher"


def next_ready(ready: queue.Queue, closed: threading.Event) -> Any:
    """The next kernel a pool's starter put on `ready`, or its start error raised as a BatchError;
    a BatchError too once the pool is `closed` (the batch stopped while this run waited)."""
    while True:
        if closed.is_set():
            raise BatchError("the batch stopped before this run could get a kernel")
        try:
            got = ready.get(timeout=0.2)
            break
        except queue.Empty:
            continue
    if isinstance(got, BaseException):
        raise BatchError(f"a kernel could not be started: {type(got).__name__}: {got}") from got
    return got


class _ForkedProcess:
    """The slice of `subprocess.Popen` that LocalProvisioner uses, for a process we did not spawn.

    The fork server reaps its children at once, so a kernel is gone when its /proc entry is.
    """

    stdin = stdout = stderr = None

    def __init__(self, pid: int) -> None:
        self.pid = pid

    def poll(self) -> int | None:
        try:
            state = Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except (OSError, IndexError):
            return -1  # the exit status went to the fork server
        return -1 if state in ("Z", "X") else None

    def wait(self) -> int | None:
        return self.poll()

    def send_signal(self, signum: int) -> None:
        os.kill(self.pid, signum)

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)

    def terminate(self) -> None:
        self.send_signal(signal.SIGTERM)


class ForkProvisioner(LocalProvisioner):
    """LocalProvisioner (ports, connection file, signals) with the process from the fork server."""

    def __init__(self, server: ForkServer, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.server = server

    async def launch_kernel(self, cmd: list[str], **kwargs: Any) -> dict[str, Any]:
        argv = cmd[cmd.index(LAUNCHER) + 1:]
        cwd = str(kwargs.get("cwd") or os.getcwd())
        pid = self.server.fork(argv, cwd, dict(kwargs.get("env") or os.environ))
        self.process = _ForkedProcess(pid)
        self.pid = self.pgid = pid  # the child called setsid(): its group is its own
        self.cwd = cwd
        return self.connection_info


class PooledKernelClient(AsyncKernelClient):
    """A kernel client that is ready as soon as the kernel has answered, with IOPub connected.

    jupyter_client's `wait_for_ready` ends by reading IOPub until it has been quiet for 0.2 s:
    for a pooled kernel, started long before, that was two thirds of a small run's time. The
    IOPub `idle` status of the same kernel_info request proves as much: IOPub is connected
    and everything published before it has been read. That request's reply is kept
    (`ready_reply`): the engine records the kernel's language from it instead of asking again.
    """

    ready_reply: dict[str, Any] | None = None

    def start_channels(self, shell: bool = True, iopub: bool = True, **_others: bool) -> None:
        # Only what nbclient uses: it runs cells (shell) and reads their outputs (IOPub). Its
        # execute requests allow no stdin; the manager interrupts and stops the kernel through a
        # control socket of its own; and the manager, whose process it polls, says whether the
        # kernel is alive (jupyter_client asks it before any heartbeat). Each of those channels
        # would cost every run a socket, and the heartbeat a thread.
        super().start_channels(shell=shell, iopub=iopub, stdin=False, hb=False, control=False)

    def stop_channels(self) -> None:
        # jupyter_client's asks each channel whether it runs, which first makes (and connects) the
        # channels never started: three sockets opened only to be closed, at the end of every run.
        # The zmq context is the pool's (see `PooledKernelManager.client`): the pool destroys it.
        for channel in (self._shell_channel, self._iopub_channel, self._stdin_channel, self._hb_channel,
                        self._control_channel):
            if channel is not None and channel.is_alive():
                channel.stop()

    async def wait_for_ready(self, timeout: float | None = None) -> None:
        deadline = time.monotonic() + (math.inf if timeout is None else timeout)
        while time.monotonic() < deadline:
            request = self.kernel_info()
            if await self._replied(request) and await self._idle(request):
                return
            if not await self._async_is_alive():
                raise RuntimeError("Kernel died before replying to kernel_info")
        raise RuntimeError(f"Kernel didn't respond in {timeout} seconds")

    async def _replied(self, request: str) -> bool:
        """The shell reply to `request`; replies to earlier requests that timed out are skipped."""
        try:
            while True:
                reply = await self.shell_channel.get_msg(timeout=1)
                if reply["parent_header"].get("msg_id") == request:
                    self._handle_kernel_info_reply(reply)
                    self.ready_reply = reply
                    return True
        except Empty:
            return False

    async def _idle(self, request: str) -> bool:
        """IOPub's idle status for `request`; not seen when IOPub connected after it was sent."""
        try:
            while True:
                message = await self.iopub_channel.get_msg(timeout=0.2)
                if (message["msg_type"] == "status" and message["parent_header"].get("msg_id") == request
                        and message["content"]["execution_state"] == "idle"):
                    return True
        except Empty:
            return False


class PooledKernelManager(AsyncKernelManager):
    """Hands out `PooledKernelClient`s on the pool's zmq context and remembers them, so the pool
    can close their sockets with the kernel."""

    client_factory = Type(PooledKernelClient, klass=AsyncKernelClient)
    #: Where the kernel's run context is written for it to read (a `KernelPool` kernel: a file in
    #: the pool's private folder, named in its environment); None: set through the kernel.
    context_file: Path | None = None

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.handed_out: list[Any] = []

    def client(self, **kwargs: Any) -> Any:
        # A client makes a context of its own by default, which costs every run an I/O thread
        # started, and joined as it stops (some 3 ms of a small batch point's 30 in this process).
        kwargs.setdefault("context", self.context)
        client = super().client(**kwargs)
        self.handed_out.append(client)
        return client


def kernel_dirs() -> list[str]:
    """The folders jupyter_client looks for kernelspecs in, found without importing IPython.

    jupyter_client's default imports IPython only to find its legacy folder (~/.ipython/kernels,
    or $IPYTHONDIR/kernels): a third of a second of every batch's start, in the process that
    then drives the batch's kernels.
    """
    ipython_dir = os.environ.get("IPYTHONDIR") or os.path.join(os.path.expanduser("~"), ".ipython")
    return [*jupyter_path("kernels"), os.path.join(ipython_dir, "kernels")]


def forkable_spec(kernel_name: str) -> KernelSpec | None:
    """The kernel spec if it is this Python's ipykernel (only those can be forked from here)."""
    try:
        spec = KernelSpecManager(kernel_dirs=kernel_dirs()).get_kernel_spec(kernel_name)
    except NoSuchKernel:
        return None
    argv = spec.argv
    if len(argv) < 3 or argv[1:3] != ["-m", LAUNCHER]:
        return None
    python = shutil.which(argv[0])
    if python is None or os.path.realpath(python) != os.path.realpath(sys.executable):
        return None
    return spec


class KernelPool:
    """Up to `total` kernels, `spare` of them started ahead of the runs that will take them.

    The pool owns its fork server (`server`, or one it starts) and closes it with itself."""

    def __init__(self, kernel_name: str, spec: KernelSpec, cwd: Path, *, preload: list[str], spare: int,
                 total: int, environment: dict[str, str] | None = None, server: ForkServer | None = None) -> None:
        self.kernel_name = kernel_name
        self.spec = spec
        self.cwd = cwd
        # Added to every kernel's environment (the batch's variables and secrets), in memory only.
        self.environment = {**os.environ, **(environment or {})}
        # A server started ahead (see runner.start_local_kernels) has imported `preload` already.
        self.server = server or ForkServer(preload)
        self._context = zmq.asyncio.Context()
        # Kernels talk over unix sockets in a folder of the pool's own: no TCP port of a dead
        # kernel can be reused by a new one while a stale client still reconnects to it.
        self._sockets = Path(tempfile.mkdtemp(prefix="mlops-kernels-"))
        self._ready: queue.Queue[PooledKernelManager | BaseException] = queue.Queue()
        self._unrequested = total  # kernels the filler has not been asked for yet
        self._wanted = threading.Semaphore(0)
        self._closed = threading.Event()
        self._live: set[PooledKernelManager] = set()
        self._lock = threading.Lock()
        self._filler = threading.Thread(target=self._fill, name="mlops-kernel-pool", daemon=True)
        self._filler.start()
        self._request(spare)

    def _request(self, count: int) -> None:
        with self._lock:
            count = min(count, self._unrequested)
            self._unrequested -= count
        for _ in range(count):
            self._wanted.release()

    def _start_one(self) -> PooledKernelManager:
        kernel_id = uuid.uuid4().hex[:12]
        manager = PooledKernelManager(kernel_name=self.kernel_name, context=self._context, transport="ipc",
                                      ip=str(self._sockets / kernel_id), kernel_id=kernel_id)
        manager._kernel_spec = self.spec  # looked up once for the whole pool
        manager.context_file = self._sockets / f"{kernel_id}.context.json"
        manager.provisioner = ForkProvisioner(self.server, kernel_id=manager.kernel_id, kernel_spec=self.spec,
                                              parent=manager)
        # An in-memory history, as nbclient gives the kernels it starts: parallel kernels would
        # otherwise contend for one history database. In this thread's event loop, kept from one
        # kernel to the next (as nbclient's is, for the run's client) rather than a new one each time.
        environment = {**self.environment, RUN_CONTEXT_FILE_ENV: str(manager.context_file)}
        run_sync(manager.start_kernel)(cwd=str(self.cwd), env=environment,
                                       extra_arguments=["--HistoryManager.hist_file=:memory:"])
        return manager

    def _fill(self) -> None:
        while True:
            self._wanted.acquire()
            if self._closed.is_set():
                return
            try:
                manager = self._start_one()
            except BaseException as error:  # handed to the run that would have used the kernel
                self._ready.put(error)
                continue
            with self._lock:
                if self._closed.is_set():
                    self._release(manager)
                    return
                self._live.add(manager)
            self._ready.put(manager)

    def take(self) -> PooledKernelManager:
        """A started kernel for one run (at most `total` calls); keeps `spare` more starting."""
        self._request(1)
        return next_ready(self._ready, self._closed)

    def discard(self, manager: PooledKernelManager) -> None:
        """After the kernel's one run, in the thread that ran it: kill it, close its sockets."""
        with self._lock:
            self._live.discard(manager)
        self._release(manager)

    @staticmethod
    def _kill(manager: PooledKernelManager) -> None:
        try:
            manager.provisioner.process.kill()
        except ProcessLookupError:
            pass

    @classmethod
    def _release(cls, manager: PooledKernelManager) -> None:
        cls._kill(manager)
        for client in manager.handed_out:
            client.stop_channels()
        run_sync(manager.cleanup_resources)()  # connection file, sockets' files, control socket
        manager.context_file.unlink(missing_ok=True)

    def stop(self) -> None:
        """Kill every kernel now, from any thread: a run executing sees its kernel die.

        Sockets are left to the threads using them (zmq sockets are not thread-safe): each
        run's `discard` closes its own, and `close` the rest once those threads are done.
        """
        with self._lock:
            if self._closed.is_set():
                return
            self._closed.set()
            live = list(self._live)
        self._wanted.release()  # wakes the filler, which sees the pool closed and returns
        for manager in live:
            self._kill(manager)
        self.server.close()  # and whatever it forked that is still alive

    def close(self) -> None:
        """Once no thread uses a kernel any more: stop everything and free the sockets."""
        self.stop()
        self._filler.join()
        while not self._ready.empty():
            ready = self._ready.get()
            if not isinstance(ready, BaseException):
                self._release(ready)
        with self._lock:
            live, self._live = list(self._live), set()
        for manager in live:
            self._release(manager)
        self._context.destroy(linger=0)
        shutil.rmtree(self._sockets, ignore_errors=True)
