"""`python -m jupyter_mlops.batch.slotserver SOCKET MODULE...`: the kernel fork server of one
container slot of a docker batch (see run/backends/docker/slots.py).

Like `forkserver` it imports ipykernel and the notebook's modules once, then forks a fresh
kernel per request, but it lives inside a locked-down container and talks to the batch over
a unix socket in a bind-mounted folder (JSON lines, one reply per request):

    {"fork": {"argv": [...], "cwd": ..., "env": {...}}}  ->  {"pid": N, "oom_kills": K}
    {"signal": N, "signum": S}                             ->  {}      (the kernel's process group)
    {"alive": N}                                           ->  {"alive": bool}
    {"release": true}                                      ->  {"oom_kills": K}

It accepts exactly one connection, the batch's, and unlinks the socket at once: no kernel can
reach it. `oom_kills` counts the container's out-of-memory kills so far (cgroup v1
`memory.oom_control`, v2 `memory.events`): one more after a point than before it means the
point's kernel was killed for memory. `release` ends a point: every process in the container but this one and the init
is killed, and /tmp and /dev/shm are emptied, so the next kernel forked here finds nothing of
the point before it. When the connection closes (the batch ended, or its process was killed) every
process in the container is killed and this server exits, which stops the container.

Imports only ipykernel (and the preloaded modules): the plain base image has nothing else.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import sys
import time
from pathlib import Path
from typing import Any

from .forkserver import become_kernel, preload

#: Emptied between points: the only writable places of the container besides its mounts.
SCRATCH = ("/tmp", "/dev/shm")
#: The batch connects as soon as the socket appears; it polls every few milliseconds.
ACCEPT_TIMEOUT = 120.0
_OOM_FILES = (("/sys/fs/cgroup/memory/memory.oom_control", "oom_kill"), ("/sys/fs/cgroup/memory.events", "oom_kill"))


def _become_kernel(request: dict[str, Any], base_env: dict[str, str]) -> None:
    """In the forked child: the point's kernel, the first to die at the container's memory limit."""
    try:  # at its memory limit the container's kernel dies, never the server (raising needs no privilege)
        Path("/proc/self/oom_score_adj").write_text("1000")
    except OSError:
        pass
    become_kernel(request["cwd"], {**base_env, **request["env"]}, request["argv"])


def _others() -> list[int]:
    """Every process of the container except the init (pid 1) and this server."""
    return [int(name) for name in os.listdir("/proc") if name.isdigit() and int(name) not in (1, os.getpid())]


def _kill_all() -> None:
    for pid in _others():
        try:
            os.kill(pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
    deadline = time.monotonic() + 5  # the init reaps what was not ours to reap
    while _others() and time.monotonic() < deadline:
        time.sleep(0.005)


def _empty_scratch() -> None:
    for folder in SCRATCH:
        try:
            entries = list(os.scandir(folder))
        except OSError:
            continue
        for entry in entries:
            try:
                if entry.is_dir(follow_symlinks=False):
                    shutil.rmtree(entry.path, ignore_errors=True)
                else:
                    os.unlink(entry.path)
            except OSError:
                pass


def oom_kills() -> int | None:
    for path, key in _OOM_FILES:
        try:
            lines = Path(path).read_text().splitlines()
        except OSError:
            continue
        for line in lines:
            name, _, value = line.partition(" ")
            if name == key:
                return int(value)
    return None


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state not in ("Z", "X")


def _signal(pid: int, signum: int) -> None:
    try:
        os.killpg(pid, signum)  # the kernel called setsid(): its group is its own
    except ProcessLookupError:
        pass
    except PermissionError:
        try:
            os.kill(pid, signum)
        except ProcessLookupError:
            pass


def _kernels() -> dict[str, dict[str, Any]]:
    """The image's kernels; `forkable`: this Python's ipykernel, which this server can fork."""
    from jupyter_client.kernelspec import KernelSpecManager

    manager = KernelSpecManager()
    kernels = {}
    for name in manager.find_kernel_specs():
        spec = manager.get_kernel_spec(name)
        python = shutil.which(spec.argv[0]) if spec.argv else None
        kernels[name] = {"argv": spec.argv, "language": spec.language, "display_name": spec.display_name,
                         "forkable": bool(python) and spec.argv[1:3] == ["-m", "ipykernel_launcher"]
                         and os.path.realpath(python) == os.path.realpath(sys.executable)}
    return kernels


def main(argv: list[str]) -> int:
    path, modules = argv[0], argv[1:]
    os.dup2(2, 1)  # whatever an import prints goes to the container's log
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    # First, so the batch connects while the imports run; under its name only once it listens.
    listener.bind(f"{path}.binding")
    listener.listen(1)
    os.rename(f"{path}.binding", path)
    preload(modules)
    from . import prepared  # imports ipykernel, whose import reads what `preload` set

    kernels = _kernels()
    base_env = dict(os.environ)
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # kernels are reaped at once
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    listener.settimeout(ACCEPT_TIMEOUT)
    try:
        connection, _ = listener.accept()
    except TimeoutError:  # the batch died before it connected: nobody will
        print(f"jupyter-mlops: no batch connected within {ACCEPT_TIMEOUT:g} s", file=sys.stderr)
        return 1
    connection.setblocking(True)
    listener.close()
    os.unlink(path)
    # Plain descriptors, as in forkserver: a forked kernel closes both and keeps nothing of them.
    read_fd = connection.detach()
    write_fd = os.dup(read_fd)
    with os.fdopen(read_fd, "r") as requests, os.fdopen(write_fd, "w", buffering=1) as replies:
        replies.write(json.dumps({"ready": os.getpid(), "python": sys.executable, "kernels": kernels}) + "\n")
        for line in requests:
            request = json.loads(line)
            reply: dict[str, Any] = {}
            if "fork" in request:
                prepared.prepare(request["fork"]["argv"])  # once, shared by the slot's later kernels
                pid = os.fork()
                if pid == 0:
                    try:
                        os.close(read_fd)
                        os.close(write_fd)
                        _become_kernel(request["fork"], base_env)
                    finally:
                        os._exit(0)
                reply = {"pid": pid, "oom_kills": oom_kills()}
            elif "signal" in request:
                _signal(request["signal"], request["signum"])
            elif "alive" in request:
                reply = {"alive": _alive(request["alive"])}
            elif "release" in request:
                _kill_all()
                _empty_scratch()
                reply = {"oom_kills": oom_kills()}
            replies.write(json.dumps(reply) + "\n")
    _kill_all()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
