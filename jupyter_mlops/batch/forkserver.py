"""`python -m jupyter_mlops.batch.forkserver MODULE...`: forks fresh IPython kernels on request
(the server, and `ForkServer`, its client).

Starting a kernel costs about a second of interpreter start-up and imports (ipykernel, then
numpy, pandas, … in the notebook). This process pays that once: it imports ipykernel and the
listed modules at once, then the modules of its first line on stdin (`{"preload": [...]}`: a
client that starts it before it knows the notebook's imports tells them there), says it is
ready, and waits. Each request (one JSON line on stdin: the kernel's argv after
`-m ipykernel_launcher`, its cwd and environment) forks a child that becomes a brand-new
kernel; the reply is one JSON line with the child's pid.

Each child inherits its configuration and IPython shell made once, before the first fork
(see `prepared`).

Isolation: this process never executes notebook code, so every child starts from the same
pristine state — nothing a run does can reach another run. It stays single-threaded and
creates no zmq context before forking, which is what makes forking safe.

The children are reaped automatically (SIGCHLD ignored). When stdin closes — the batch ended,
was cancelled or was killed — every child still alive is killed with its process group, so no
kernel outlives the batch, and the server exits at once.
"""

from __future__ import annotations

import importlib
import io
import json
import os
import signal
import subprocess
import sys
import threading
import tokenize
from typing import Any

from ..errors import BatchError
from .preload import ALWAYS


def _become_kernel(request: dict[str, Any], reply_fd: int) -> None:
    """In the forked child: a new session, the run's cwd and environment, then the kernel."""
    os.close(reply_fd)
    become_kernel(request["cwd"], request["env"], request["argv"])


def become_kernel(cwd: str, env: dict[str, str], argv: list[str]) -> None:
    """Turn a freshly forked child of a fork server into a kernel (never returns). Shared with the
    docker batch slots' server (slotserver.py)."""
    os.setsid()  # as jupyter_client does: a terminal's Ctrl-C goes to the batch, not the kernel
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)  # the kernel's own subprocesses must be waitable
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.close(devnull)
    os.chdir(cwd)
    os.environ.clear()
    os.environ.update(env)
    _reseed()
    from . import prepared  # imported by the server after `preload`, which its imports depend on

    prepared.launch(argv)


def _reseed() -> None:
    # Modules imported here were seeded once, in this process; a fresh kernel would seed them
    # anew. `random` reseeds itself after fork; numpy's global generator does not.
    numpy = sys.modules.get("numpy")
    if numpy is not None:
        numpy.random.seed()


def _kill_children(children: set[int]) -> None:
    for pid in children:
        try:
            os.killpg(pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass


def preload(modules: list[str]) -> None:
    """What a fork server does before its first fork (shared with slotserver.py): the imports its
    kernels then start with, and the environment that ties them to this process."""
    # As ipykernel_launcher does: the kernel puts the notebook's folder ('') on sys.path itself.
    if sys.path and (sys.path[0] == "" or os.path.abspath(sys.path[0]) == os.getcwd()):
        del sys.path[0]
    # The kernels' ParentPoller reads this at import: a kernel exits if this process dies.
    os.environ["JPY_PARENT_PID"] = str(os.getpid())
    importlib.import_module("ipykernel.kernelapp")
    # The tokenizer compiles its regular expressions on first use, which in a kernel is the first
    # cell IPython transforms (5 ms of every run): compiled once here, as the imports are.
    list(tokenize.generate_tokens(io.StringIO("x = 1\n").readline))
    _import_all(modules)


def _import_all(modules: list[str]) -> None:
    for module in modules:
        try:
            importlib.import_module(module)
        except Exception as error:  # only costs speed: each kernel imports it itself if it can
            print(f"jupyter-mlops: could not preload {module} ({type(error).__name__}: {error})", file=sys.stderr)


def main(modules: list[str]) -> int:
    # Replies go through a private copy of stdout; fd 1 then points at stderr, so whatever an
    # import prints cannot corrupt the protocol.
    reply_fd = os.dup(1)
    os.dup2(2, 1)
    preload(modules)
    told = sys.stdin.readline()
    if not told:  # the client went away before it said what else to import
        return 0
    _import_all(json.loads(told)["preload"])
    from . import prepared  # imports ipykernel, whose import reads what `preload` set

    signal.signal(signal.SIGCHLD, signal.SIG_IGN)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the batch decides when we stop
    with os.fdopen(reply_fd, "w", buffering=1) as replies:
        replies.write(json.dumps({"ready": os.getpid()}) + "\n")
        children: set[int] = set()
        for line in sys.stdin:
            request = json.loads(line)
            prepared.prepare(request["argv"])  # for the first kernel, then shared by all the others
            pid = os.fork()
            if pid == 0:
                try:
                    _become_kernel(request, replies.fileno())
                finally:
                    os._exit(0)
            children.add(pid)
            replies.write(json.dumps({"pid": pid}) + "\n")
        _kill_children(children)
    return 0


class ForkServer:
    """A fork server process and its request/reply pipes (thread-safe).

    `modules`: what its kernels import, imported as the server starts; None: only what every
    kernel imports (`preload.ALWAYS`) at once, and the rest once `preload` tells it, so that a
    client can start the server before it has read the notebook (and imported what reading it
    takes). It is ready, and forks, only after that.
    """

    def __init__(self, modules: list[str] | None) -> None:
        self.process = subprocess.Popen(
            # Without frozen modules, as the debugger its kernels load asks (else it warns on the
            # terminal at every start, and breakpoints in the standard library would be missed).
            [sys.executable, "-X", "frozen_modules=off", "-m", "jupyter_mlops.batch.forkserver",
             *(ALWAYS if modules is None else modules)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, bufsize=1,
            start_new_session=True)  # Ctrl-C reaches the batch only; the batch then closes us
        self._lock = threading.Lock()
        # Not waited for here: the server imports (most of a second) while its client prepares.
        self._ready = False
        self._told = False
        if modules is not None:
            self.preload([])

    def preload(self, modules: list[str]) -> None:
        """The modules the server imports besides those it started with (once, before `fork`)."""
        with self._lock:
            if self._told:
                raise BatchError("the kernel fork server was told what to import already")
            self.process.stdin.write(json.dumps({"preload": modules}) + "\n")
            self._told = True

    def wait_ready(self) -> None:
        """Until the server has imported everything; BatchError if it exited instead."""
        with self._lock:
            self._wait_ready()

    def _wait_ready(self) -> None:
        if not self._told:
            raise BatchError("the kernel fork server was not told what to import")
        if not self._ready:
            self._read()  # its first line says it is ready
            self._ready = True

    def _read(self) -> dict[str, Any]:
        line = self.process.stdout.readline()
        if not line:
            raise BatchError(f"the kernel fork server exited (status {self.process.wait()}); see the messages above")
        return json.loads(line)

    def fork(self, argv: list[str], cwd: str, env: dict[str, str]) -> int:
        with self._lock:
            self._wait_ready()
            self.process.stdin.write(json.dumps({"argv": argv, "cwd": cwd, "env": env}) + "\n")
            return self._read()["pid"]

    def close(self) -> None:
        """Closing stdin makes the server kill every kernel it forked that is still alive."""
        try:
            self.process.stdin.close()
        except OSError:
            pass
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.process.stdout.close()


if __name__ == "__main__":
    status = main(sys.argv[1:])
    # Its kernels are dead and its replies written: the interpreter's teardown of everything this
    # process imported (a third of a second) would only delay the batch that waits for its exit.
    sys.stderr.flush()
    os._exit(status)
