"""`python -m jupyter_mlops.batch.forkserver MODULE...`: forks fresh IPython kernels on request.

Starting a kernel costs about a second of interpreter start-up and imports (ipykernel, then
numpy, pandas, … in the notebook). This process pays that once: it imports ipykernel and the
listed modules, then waits. Each request (one JSON line on stdin: the kernel's argv after
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
import sys
import tokenize
from typing import Any


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


if __name__ == "__main__":
    status = main(sys.argv[1:])
    # Its kernels are dead and its replies written: the interpreter's teardown of everything this
    # process imported (a third of a second) would only delay the batch that waits for its exit.
    sys.stderr.flush()
    os._exit(status)
