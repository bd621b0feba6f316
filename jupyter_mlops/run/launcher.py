"""`python -m jupyter_mlops.run.launcher OPTIONS`: starts run workers at once, on warm kernels.

A run started the cold way waits for a new worker process (an interpreter importing papermill,
nbclient, the store: about 0.7 s here) and then a new kernel (about 1 s). The Jupyter server and
the `scheduler` daemon instead keep this process (`Launcher` below starts it): it has imported
what a worker needs and, per kernelspec in use, keeps `size` kernels forked ahead of need from a
kernel fork server (batch/forkserver.py). A request (one JSON line on stdin: the run, its log,
its kernelspec, the requester's cwd and environment) forks a worker that takes one warm kernel
and executes the run exactly as `run.worker` does: same records, step events, SIGTERM cancel.

Every run still gets a brand-new kernel: a pooled kernel was forked from a process that never
executes notebook code, serves one run and is killed after it. It was forked before its run was
known, so the worker first moves it to the run's working directory and environment (the
environment the run's kernel would have had, not this process's). A kernelspec that is not this
Python's ipykernel, or a fork server that fails, falls back to the cold kernel start, recorded in
the run's `backend_info["kernel"]`.

Workers run in sessions of their own, so they outlive their requester as cold workers do; this
process reports each worker's exit (`{"exited": pid}`) and kills the kernel of a worker that
died without releasing it (kill -9). When stdin closes (the server or daemon stopped, or died),
the idle kernels are killed at once; the process stays until its last worker has ended, then
closes the fork servers, which kill whatever they forked. It stays single-threaded and creates
no zmq context, which is what makes forking workers from it safe.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import queue
import secrets
import selectors
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import traceback
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..startup import skip_unused_format_checkers
from .cancel import cancel_on_sigterm

log = logging.getLogger(__name__)

#: Seconds after a kernel is taken before its replacement is forked: on a busy machine the run
#: that took it comes first.
REFILL_DELAY = 0.5
#: As nbclient gives the kernels it starts: parallel kernels would contend for one history file.
KERNEL_ARGUMENTS = ["--HistoryManager.hist_file=:memory:"]
#: Set by the kernel itself, not part of the environment a run gives its kernel.
OWN_VARIABLES = {"JPY_PARENT_PID"}


# -- in the launcher process ----------------------------------------------------------------------


@dataclass
class WarmKernel:
    pid: int
    started: int | None  # its /proc start time: a reused pid is never taken for it
    kernel_id: str
    connection_file: str
    env: dict[str, str]  # the environment it was forked with


@dataclass
class _Pool:
    """The warm kernels of one kernelspec, and the fork server they come from."""

    name: str
    spec: Any  # jupyter_client KernelSpec
    server: Any  # batch.forkserver.ForkServer
    folder: Path
    size: int
    idle: list[WarmKernel] = field(default_factory=list)
    taken: dict[int, WarmKernel] = field(default_factory=dict)  # kernels of running workers
    last_used: float = field(default_factory=time.monotonic)
    refill_at: float = 0.0
    retired: bool = False

    def fork(self) -> WarmKernel:
        from jupyter_client.connect import write_connection_file

        from ..batch.kernels import LAUNCHER
        from ..store.workers import start_time

        kernel_id = secrets.token_hex(6)
        connection_file = str(self.folder / f"{kernel_id}.json")
        # ipc sockets in a folder of this process: no TCP port of a dead kernel can be reused.
        write_connection_file(connection_file, transport="ipc", ip=str(self.folder / kernel_id),
                              key=secrets.token_hex(16).encode(), kernel_name=self.name)
        argv = [part.replace("{connection_file}", connection_file).replace("{resource_dir}", self.spec.resource_dir)
                for part in self.spec.argv]
        env = {**os.environ, **self.spec.env}
        pid = self.server.fork(argv[argv.index(LAUNCHER) + 1:] + KERNEL_ARGUMENTS, str(self.folder), env)
        return WarmKernel(pid, start_time(pid), kernel_id, connection_file, env)

    def usable(self) -> str | None:
        """Why this pool can serve no more runs, or None."""
        if self.server.process.poll() is not None:
            return f"its kernel fork server exited (status {self.server.process.returncode})"
        if not os.path.exists(os.path.join(self.spec.resource_dir, "kernel.json")):
            return f"kernelspec {self.name!r} was removed"
        return None

    def take(self) -> WarmKernel:
        from ..store.workers import alive

        self.last_used = time.monotonic()
        self.refill_at = self.last_used + REFILL_DELAY
        while self.idle:
            kernel = self.idle.pop(0)
            if alive(kernel.pid, kernel.started):
                break
            self.forget(kernel)
        else:  # none ready: a kernel forked now still needs no new interpreter
            kernel = self.fork()
        self.taken[kernel.pid] = kernel
        return kernel

    def fill(self) -> None:
        while not self.retired and len(self.idle) < self.size:
            self.idle.append(self.fork())

    def forget(self, kernel: WarmKernel) -> None:
        """Kill the kernel if it still runs, and remove its connection and socket files."""
        from ..store.workers import alive

        if alive(kernel.pid, kernel.started):
            try:
                os.killpg(kernel.pid, signal.SIGKILL)  # it called setsid(): its subprocesses too
            except (ProcessLookupError, PermissionError):
                pass
        for path in self.folder.glob(f"{kernel.kernel_id}*"):
            path.unlink(missing_ok=True)

    def retire(self) -> None:
        """No more runs: kill the idle kernels now; the fork server closes after the taken ones."""
        self.retired = True
        for kernel in self.idle:
            self.forget(kernel)
        self.idle.clear()
        self.close_if_done()

    def release(self, pid: int) -> None:
        kernel = self.taken.pop(pid, None)
        if kernel is not None:
            self.forget(kernel)
        self.close_if_done()

    def close_if_done(self) -> None:
        if self.retired and not self.taken:
            self.server.close()


class _Launcher:
    def __init__(self, options: dict[str, Any], replies: Any, wakeup: int) -> None:
        self.size: int = options["size"]
        self.idle_timeout: float = options["idle_timeout"]
        self.preload: list[str] = options["preload"]
        self.replies = replies
        self.wakeup = wakeup
        self.folder = Path(tempfile.mkdtemp(prefix="mlops-warm-"))
        self.pools: dict[str, _Pool] = {}
        self.retired: list[_Pool] = []
        self.workers: dict[int, tuple[_Pool | None, WarmKernel | None]] = {}
        self.sockets: set[int] = set()  # the listening socket and its connections: no worker holds them
        self.stopping = False

    def reply(self, message: dict[str, Any]) -> None:
        if self.replies is None:
            return
        try:
            self.replies.write(json.dumps(message) + "\n")
        except OSError:  # the requester is gone: its successor follows the runs through the store
            self.replies = None

    # -- pools ------------------------------------------------------------------------------------

    def pool(self, kernel_name: str, env: dict[str, str]) -> tuple[_Pool | None, str | None]:
        """The pool of the kernelspec the run's environment names, started on first use; else None
        and why. Looked up in that environment (JUPYTER_PATH, PATH), as its worker would."""
        from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel

        from ..batch.forkserver import ForkServer
        from ..batch.kernels import forkable_spec
        from ..errors import BatchError

        self.sweep()
        with _environment(env):
            try:
                found = KernelSpecManager().get_kernel_spec(kernel_name)
            except NoSuchKernel:
                return None, f"no kernelspec named {kernel_name!r}"
            spec = forkable_spec(kernel_name)
        if spec is None:
            return None, f"kernelspec {kernel_name!r} is not this Python's ipykernel, so it cannot be forked"
        pool = self.pools.get(found.resource_dir)
        if pool is not None:
            return pool, None
        try:
            server = ForkServer(self.preload)
            server.wait_ready()
        except BatchError as error:
            return None, f"the kernel fork server could not start: {error}"
        pool = self.pools[found.resource_dir] = _Pool(kernel_name, spec, server, self.folder, self.size)
        return pool, None

    def sweep(self) -> None:
        """Retire the pools whose fork server died or whose kernelspec was removed."""
        for pool in list(self.pools.values()):
            reason = pool.usable()
            if reason is not None:
                log.warning("warm kernels of %s: %s; their idle kernels are shut down", pool.name, reason)
                self.retire(pool)

    def retire(self, pool: _Pool) -> None:
        self.pools.pop(pool.spec.resource_dir, None)
        pool.retire()
        if pool.taken:  # its fork server stays open until their workers end
            self.retired.append(pool)

    def tick(self) -> float:
        """Refill and retire pools; the seconds until there is something to do again."""
        self.sweep()
        now = time.monotonic()
        wait = 5.0  # how soon a dead fork server or a removed kernelspec is noticed
        for pool in list(self.pools.values()):
            if self.idle_timeout and now - pool.last_used >= self.idle_timeout:
                log.info("warm kernels of %s idle for %.0f s: shutting them down", pool.name, self.idle_timeout)
                self.retire(pool)
                continue
            if now >= pool.refill_at:
                try:
                    pool.fill()
                except Exception as error:  # the fork server died: the next run starts it anew
                    log.warning("warm kernels of %s could not be forked: %s", pool.name, error)
                    self.retire(pool)
                    continue
            elif len(pool.idle) < pool.size:
                wait = min(wait, pool.refill_at - now)
            if self.idle_timeout:
                wait = min(wait, pool.last_used + self.idle_timeout - now)
        return max(wait, 0.0)

    # -- workers ----------------------------------------------------------------------------------

    def launch(self, request: dict[str, Any]) -> int:
        """Fork the request's worker; its pid."""
        pool, kernel, note = None, None, None
        kernel_name = request.get("kernel")
        if kernel_name:
            pool, note = self.pool(kernel_name, request["env"])
            if pool is not None:
                try:
                    kernel = pool.take()
                except Exception as error:  # the fork server died just now
                    note = f"the kernel fork server failed: {type(error).__name__}: {error}"
                    self.retire(pool)
                    pool = None
        sys.stdout.flush()
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:
            code = 1
            try:
                code = self._become_worker(request, pool, kernel, note)
            except BaseException:  # nothing may return into the launcher's loop
                traceback.print_exc()
            finally:
                sys.stdout.flush()
                sys.stderr.flush()
                os._exit(code)
        self.workers[pid] = (pool, kernel)
        return pid

    def _become_worker(self, request: dict[str, Any], pool: _Pool | None, kernel: WarmKernel | None,
                       note: str | None) -> int:
        """In the forked child: a session of its own, the run's log, cwd and environment, then the run."""
        os.setsid()  # as start_new_session does for cold workers: it outlives the launcher's requester
        signal.set_wakeup_fd(-1)
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        cancel_on_sigterm()  # cancel_run's SIGTERM, as in run.worker
        signal.signal(signal.SIGINT, signal.default_int_handler)
        log.handlers.clear()
        keep = {0, 1, 2}
        for fd in (self.wakeup, self.replies.fileno() if self.replies else -1, *self.sockets,
                   *(p.server.process.stdin.fileno() for p in [*self.pools.values(), *self.retired]
                     if p.server.process.stdin and not p.server.process.stdin.closed)):
            if fd not in keep and fd >= 0:
                os.close(fd)
        devnull = os.open(os.devnull, os.O_RDONLY)
        os.dup2(devnull, 0)
        os.close(devnull)
        output = os.open(request["log"], os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        os.dup2(output, 1)
        os.dup2(output, 2)
        os.close(output)
        os.chdir(request["cwd"])
        os.environ.clear()
        os.environ.update(request["env"])
        return _execute(request["run"], request, pool.spec if pool else None, kernel, note)

    def reap(self) -> None:
        for pid in list(self.workers):
            try:
                done, status = os.waitpid(pid, os.WNOHANG)
            except ChildProcessError:
                done, status = pid, 0
            if not done:
                continue
            pool, kernel = self.workers.pop(pid)
            if pool is not None and kernel is not None:
                pool.release(kernel.pid)  # a worker killed with -9 could not kill its kernel itself
            self.reply({"exited": pid, "status": os.waitstatus_to_exitcode(status)})
        self.retired = [pool for pool in self.retired if pool.taken]

    def stop(self) -> None:
        """The requester is gone: no more runs; idle kernels now, the rest once their workers end."""
        self.stopping = True
        for pool in list(self.pools.values()):
            self.retire(pool)

    def close(self) -> None:
        for pool in [*self.pools.values(), *self.retired]:
            pool.retire()
            pool.server.close()
        shutil.rmtree(self.folder, ignore_errors=True)


@contextlib.contextmanager
def _environment(env: dict[str, str]) -> Iterator[None]:
    """This (single-threaded) process's environment is `env` for a while."""
    saved = dict(os.environ)
    os.environ.clear()
    os.environ.update(env)
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


def _preimport() -> None:
    """What a worker would import at start (the point of this process), and warm caches."""
    import nbformat

    from ..batch import kernels  # noqa: F401 (jupyter_client, zmq: imported, no context created)
    from . import engine, executor  # noqa: F401 (papermill, nbclient, lineage, the store)
    from .backends import backend_names

    from ..lineage.environment import _distribution_entries

    backend_names()  # the entry point scan, once
    _distribution_entries()  # the listing of sys.path folders each run's lineage keys its environment by
    nbformat.reads(nbformat.writes(nbformat.v4.new_notebook()), as_version=4)  # the schema validator


def _listen(path: str) -> socket.socket:
    """The socket other processes of this user (a notebook's widgets, a batch worker) ask on."""
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(path)
    os.chmod(path, 0o600)  # in a 0700 folder too: only this user
    listener.listen(16)
    listener.setblocking(False)
    return listener


def main(argv: list[str]) -> int:
    options = json.loads(argv[0])
    reply_fd = os.dup(1)  # as the fork server: what an import prints cannot corrupt the replies
    os.dup2(2, 1)
    skip_unused_format_checkers()
    # Its own messages only (workers forked from here log as cold workers do: not at all).
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("jupyter-mlops launcher: %(message)s"))
    log.addHandler(handler)
    log.setLevel(logging.INFO)
    log.propagate = False
    _preimport()
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the requester decides when we stop
    wake_read, wake_write = os.pipe()
    os.set_blocking(wake_write, False)
    os.set_blocking(wake_read, False)
    signal.signal(signal.SIGCHLD, lambda *_: None)  # a handler, so the wakeup fd hears of exits
    signal.set_wakeup_fd(wake_write)
    replies = os.fdopen(reply_fd, "w", buffering=1)
    # A requester that stops while this process still starts sends SIGTERM: clean up all the same.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    launcher = _Launcher(options, replies, wake_write)
    try:
        _serve(launcher, options, wake_read)
    finally:
        launcher.close()
        # The socket's folder is the requester's, which may have died (kill -9) without removing it.
        with contextlib.suppress(OSError):
            os.unlink(options["socket"])
            os.rmdir(os.path.dirname(options["socket"]))
    return 0


def _serve(launcher: _Launcher, options: dict[str, Any], wake_read: int) -> None:
    """Warm the kernelspecs asked for, then serve requests until stdin closes and the last worker ends."""
    for name in options["warm"]:
        launcher.pool(name, dict(os.environ))
    selector = selectors.DefaultSelector()
    selector.register(0, selectors.EVENT_READ, "requests")
    selector.register(wake_read, selectors.EVENT_READ, "exits")
    listener = _listen(options["socket"])
    launcher.sockets.add(listener.fileno())
    selector.register(listener, selectors.EVENT_READ, "connections")
    launcher.reply({"ready": os.getpid()})
    pending = b""
    asking: dict[socket.socket, bytes] = {}
    while not launcher.stopping or launcher.workers:
        timeout = launcher.tick() if not launcher.stopping else None
        for key, _ in selector.select(timeout):
            if key.data == "exits":
                while True:
                    try:
                        if not os.read(wake_read, 512):
                            break
                    except BlockingIOError:
                        break
            elif key.data == "connections":
                try:
                    connection, _ = listener.accept()
                except BlockingIOError:
                    continue
                connection.setblocking(False)
                launcher.sockets.add(connection.fileno())
                asking[connection] = b""
                selector.register(connection, selectors.EVENT_READ, "asking")
            elif key.data == "asking":
                connection = key.fileobj
                try:
                    chunk = connection.recv(65536)
                except BlockingIOError:
                    continue
                asking[connection] += chunk
                if chunk and b"\n" not in asking[connection]:
                    continue
                selector.unregister(connection)
                launcher.sockets.discard(connection.fileno())
                line = asking.pop(connection).split(b"\n")[0]
                if line:
                    pid = launcher.launch(json.loads(line))
                    with contextlib.suppress(OSError):  # it gave up waiting: the run starts anyway
                        connection.setblocking(True)
                        connection.sendall(json.dumps({"pid": pid}).encode() + b"\n")
                connection.close()
            else:
                chunk = os.read(0, 65536)
                if not chunk:
                    selector.unregister(0)
                    selector.unregister(listener)
                    launcher.sockets.discard(listener.fileno())
                    listener.close()
                    launcher.stop()
                    continue
                pending += chunk
                *lines, pending = pending.split(b"\n")
                for line in lines:
                    request = json.loads(line)
                    launcher.reply({"pid": launcher.launch(request), "run": request["run"]})
        launcher.reap()


# -- in the worker ----------------------------------------------------------------------------------


class _Running:
    """What ForkProvisioner asks for a process: here, the warm kernel that is already running."""

    def __init__(self, pid: int) -> None:
        self.pid = pid

    def fork(self, _argv: list[str], _cwd: str, _env: dict[str, str]) -> int:
        return self.pid


def _setup_code(cwd: str, forked_env: dict[str, str], env: dict[str, str]) -> str:
    """Code that moves a warm kernel to its run's folder and environment (variables the kernel
    set itself at start are neither in `forked_env` nor in `env`, and stay)."""
    drop = sorted(set(forked_env) - set(env) - OWN_VARIABLES)
    changed = {name: value for name, value in env.items()
               if forked_env.get(name) != value and name not in OWN_VARIABLES}
    # One expression, no names left behind in the user's namespace.
    return (f"(lambda o: (o.chdir({cwd!r}), [o.environ.pop(k, None) for k in {drop!r}], "
            f"o.environ.update({changed!r})))(__import__('os'))")


async def _adopt(kernel: WarmKernel, kernel_name: str, spec: Any, cwd: str, env: dict[str, str]) -> Any:
    import zmq.asyncio

    from ..batch.kernels import ForkProvisioner, PooledKernelManager

    manager = PooledKernelManager(kernel_name=kernel_name, context=zmq.asyncio.Context(), transport="ipc",
                                  connection_file=kernel.connection_file, kernel_id=kernel.kernel_id)
    manager.load_connection_file()
    manager._connection_file_written = True  # by the launcher, before the kernel read it
    manager._kernel_spec = spec
    manager.provisioner = ForkProvisioner(_Running(kernel.pid), kernel_id=kernel.kernel_id, kernel_spec=spec,
                                          parent=manager)
    await manager.start_kernel(cwd=cwd, extra_arguments=KERNEL_ARGUMENTS)
    client = manager.client()
    client.start_channels()
    await client.wait_for_ready(timeout=60)
    # silent, without history: the code (which may hold a secret's value) is echoed nowhere.
    request = client.execute(_setup_code(cwd, kernel.env, env), silent=True, store_history=False)
    while True:
        reply = await client.get_shell_msg(timeout=60)
        if reply["parent_header"].get("msg_id") == request:
            break
    content = reply["content"]
    if content["status"] != "ok":
        raise RuntimeError(f"moving it to {cwd} failed: {content.get('ename')}: {content.get('evalue')}")
    client.stop_channels()
    return manager


class _Adoption:
    """Connects to the warm kernel and moves it to the run's folder and environment, in a thread
    of its own from the worker's start: meanwhile the run prepares (lineage, records)."""

    def __init__(self, kernel: WarmKernel, kernel_name: str, spec: Any, cwd: str, run_id: str) -> None:
        self.kernel = kernel
        self.manager: Any = None
        self.error: Exception | None = None
        self._thread = threading.Thread(target=self._adopt, args=(kernel_name, spec, cwd, run_id),
                                        name="mlops-adopt", daemon=True)
        self._thread.start()

    def _adopt(self, kernel_name: str, spec: Any, cwd: str, run_id: str) -> None:
        from ..secrets.environment import secret_environment
        from ..store import runs as run_store

        try:
            run = run_store.get_run(run_id)
            # What a kernel the run started itself would have: this environment, the run's
            # variables and secrets, then the kernelspec's own (as jupyter_client layers them).
            env = {**os.environ, **run.spec.env, **secret_environment(run.spec.secrets), **spec.env}
            self.manager = asyncio.run(_adopt(self.kernel, kernel_name, spec, cwd, env))
        except Exception as error:  # it died, cannot move there, a secret is gone: the run decides
            self.error = error

    def result(self) -> Any:
        """The kernel's manager once adopted; raises what went wrong instead."""
        self._thread.join()
        if self.error is not None:
            raise self.error
        return self.manager

    def release(self) -> None:
        try:
            os.killpg(self.kernel.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        self._thread.join(10)  # it ends at once now that the kernel is gone
        if self.manager is not None:
            for client in self.manager.handed_out:
                client.stop_channels()
            asyncio.run(self.manager.cleanup_resources())
            self.manager.context.destroy(linger=0)


def _execute(run_id: str, request: dict[str, Any], spec: Any, kernel: WarmKernel | None, note: str | None) -> int:
    from .executor import execute_run

    info: dict[str, Any] = {}
    kernel_name = request.get("kernel")
    adoption = _Adoption(kernel, kernel_name, spec, request["kernel_cwd"], run_id) if kernel is not None else None

    def take_kernel() -> Any:
        if adoption is None:
            info["kernel"] = f"started by the run: {note}"
            return None
        try:
            manager = adoption.result()
        except Exception as error:
            info["kernel"] = f"started by the run: the warm kernel failed ({type(error).__name__}: {error})"
            return None
        info["kernel"] = "warm"
        return manager

    def execute() -> Any:
        return execute_run(run_id, take_kernel=take_kernel if kernel_name else None, backend_info=info)

    from ..store import runs as run_store

    try:
        queued = run_store.get_run(run_id)
        if queued.spec.notify is not None:  # a single run with channels: this worker tells, then exits
            from ..notify.events import execute_notified

            run = execute_notified(queued, execute)
        else:
            run = execute()
    finally:
        if adoption is not None:
            adoption.release()
    return 0 if run.status.value == "succeeded" else 1


# -- in the requester (the Jupyter server, the scheduler daemon) -----------------------------------


class WorkerProcess:
    """A worker the launcher forked: the slice of `subprocess.Popen` that callers of `launch_worker` use."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        from ..store import workers

        self.returncode: int | None = None
        self.started = workers.start_time(pid)
        self.orphaned = False  # no launcher reports its exit (gone, or another process's): wait() watches it
        self._exited = threading.Event()

    def _ended(self, status: int | None) -> None:
        self.returncode = status
        self._exited.set()

    def wait(self, timeout: float | None = None) -> int | None:
        """Its exit status (None when only its end was seen, not its status)."""
        from ..store import workers

        deadline = None if timeout is None else time.monotonic() + timeout
        while not self._exited.wait(0.5):
            if self.orphaned and not workers.alive(self.pid, self.started):
                self._ended(self.returncode)
            if deadline is not None and time.monotonic() >= deadline:
                raise subprocess.TimeoutExpired(f"worker {self.pid}", timeout)
        return self.returncode

    def terminate(self) -> None:
        if not self._exited.is_set():
            try:
                os.kill(self.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass


class Launcher:
    """Starts and talks to the launcher process (thread-safe); `close` when the requester stops."""

    def __init__(self, *, size: int, idle_timeout: float, preload: list[str], warm: list[str]) -> None:
        self._folder = tempfile.mkdtemp(prefix="mlops-launcher-")  # 0700
        #: Where other processes of this user ask (`launch_through`): the server's kernels, whose
        #: widgets start runs, find it in their environment.
        self.socket_path = os.path.join(self._folder, "launcher.sock")
        options = {"size": size, "idle_timeout": idle_timeout, "preload": preload, "warm": warm,
                   "socket": self.socket_path}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "jupyter_mlops.run.launcher", json.dumps(options)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, bufsize=1,
            start_new_session=True)  # outlives a requester killed with its process group, as workers do
        self.ready = threading.Event()
        self._lock = threading.Lock()
        self._replies: queue.Queue[dict[str, Any] | None] = queue.Queue()
        self._workers: dict[int, WorkerProcess] = {}
        self._gone = False
        self._reader = threading.Thread(target=self._read, name="mlops-launcher", daemon=True)
        self._reader.start()

    @property
    def alive(self) -> bool:
        return not self._gone

    def _read(self) -> None:
        for line in self.process.stdout:
            message = json.loads(line)
            if "ready" in message:
                self.ready.set()
            elif "exited" in message:
                worker = self._workers.pop(message["exited"], None)
                if worker is not None:
                    worker._ended(message["status"])
            else:
                if "pid" in message:
                    self._workers[message["pid"]] = WorkerProcess(message["pid"])
                self._replies.put(message)
        self._gone = True
        self.ready.set()
        self._replies.put(None)
        for worker in list(self._workers.values()):
            worker.orphaned = True

    def launch(self, run_id: str, log_path: str, kernel_name: str | None, kernel_cwd: str,
               timeout: float = 30.0) -> WorkerProcess:
        """Fork a worker for the queued run (with a warm kernel of `kernel_name`, if given, moved
        to `kernel_cwd`)."""
        from ..errors import LauncherError

        request = _request(run_id, log_path, kernel_name, kernel_cwd)
        with self._lock:
            if self._gone:
                raise LauncherError(f"the run launcher (pid {self.process.pid}) has exited")
            deadline = time.monotonic() + timeout
            try:
                self.process.stdin.write(json.dumps(request) + "\n")
                self.process.stdin.flush()
                # A reply to an earlier request that timed out names another run (whose worker
                # then finds it no longer queued and does nothing): skipped.
                while (reply := self._replies.get(timeout=max(deadline - time.monotonic(), 0.001))) is not None \
                        and reply["run"] != run_id:
                    pass
            except (OSError, queue.Empty) as error:
                raise LauncherError(f"the run launcher (pid {self.process.pid}) did not answer within {timeout:g} s"
                                    f" ({type(error).__name__})") from None
        if reply is None:
            raise LauncherError(f"the run launcher (pid {self.process.pid}) exited (status {self.process.wait()})")
        return self._workers.get(reply["pid"]) or WorkerProcess(reply["pid"])

    def close(self, timeout: float = 10.0) -> None:
        """No more runs: the idle kernels go at once; runs in progress finish in their workers."""
        if not self.ready.is_set():  # still importing: it has started no worker, nothing to finish
            self.process.terminate()  # its fork server, if any, sees its pipe close and kills its kernels
        with self._lock:
            try:
                self.process.stdin.close()
            except OSError:
                pass
        if not self._workers:  # nothing left running: wait for it, so nothing is left behind
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        shutil.rmtree(self._folder, ignore_errors=True)


def _request(run_id: str, log_path: str, kernel_name: str | None, kernel_cwd: str) -> dict[str, Any]:
    # The worker gets the requester's environment and cwd, as a worker it started itself would.
    return {"run": run_id, "log": log_path, "kernel": kernel_name, "kernel_cwd": kernel_cwd, "cwd": os.getcwd(),
            "env": dict(os.environ)}


def launch_through(socket_path: str, run_id: str, log_path: str, kernel_name: str | None, kernel_cwd: str,
                   timeout: float = 30.0) -> WorkerProcess:
    """Ask another process's launcher (at `socket_path`) for the run's worker, as `Launcher.launch`.

    That launcher reports the worker's exit to its own requester only: `wait()` watches the process.
    """
    from ..errors import LauncherError

    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as connection:
            connection.settimeout(timeout)
            connection.connect(socket_path)
            connection.sendall(json.dumps(_request(run_id, log_path, kernel_name, kernel_cwd)).encode() + b"\n")
            reply = connection.makefile("rb").readline()
    except OSError as error:
        raise LauncherError(f"the run launcher at {socket_path} did not answer: {type(error).__name__}: {error}"
                            ) from None
    if not reply:
        raise LauncherError(f"the run launcher at {socket_path} closed the connection without an answer")
    worker = WorkerProcess(json.loads(reply)["pid"])
    worker.orphaned = True
    return worker


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
