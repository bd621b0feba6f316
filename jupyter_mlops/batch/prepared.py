"""A kernel's configuration and IPython shell, made once in a fork server before it forks.

A forked kernel used to spend about a third of its start (some 14 of 39 ms, and more on a
slower machine) on work with the same result in every kernel of a server: parsing its command
line and config files, and building IPython's shell (magics, prefilters, display hooks, an
in-memory history). `prepare(argv)`, in the server, does that once for the kind of kernel
`argv` describes; each child then only opens its own sockets and threads and makes its own
kernel object around the shell it inherited (`launch(argv)`).

What differs between kernels is left to the child: the connection file; the working folder
(the shell's starting folder and directory history are reset after the fork); the environment
(the shell sets its variables, PAGER and such, again in the one the server gave the child).
The shell's configuration comes from the server's environment, which is the one its client
(a batch, a launcher) started in; variables a run adds reach the kernel, but not IPython's
configuration. A shell built ahead has executed no code and no thread is started, so every
child is as fresh as a started kernel, and forking stays safe.

Kernels configured in an unusual way (another kernel or shell class) and any failure to
prepare fall back to starting the kernel the ordinary way, in the child.
"""

from __future__ import annotations

import os
import sys

from IPython.core.application import BaseIPythonApplication
from ipykernel.ipkernel import IPythonKernel
from ipykernel.kernelapp import IPKernelApp
from ipykernel.zmqshell import ZMQInteractiveShell

#: The (connection-file-less) argv the app was prepared for, and the app; one per server.
_prepared: tuple[list[str], PreparedKernelApp] | None = None
_unpreparable: set[tuple[str, ...]] = set()


def _without_connection_file(argv: list[str]) -> tuple[list[str], str] | None:
    """argv without its `-f FILE` (what all of a server's kernels share), and FILE."""
    if "-f" not in argv[:-1]:
        return None
    index = argv.index("-f")
    return [*argv[:index], *argv[index + 2:]], argv[index + 1]


class _ConfiguredAhead(BaseIPythonApplication):
    """Where IPKernelApp.initialize's `super().initialize(argv)` lands: the command line and
    config files, already read once the app is prepared."""

    prepared = False

    def initialize(self, argv: list[str] | None = None) -> None:
        if not self.prepared:
            super().initialize(argv)


class PreparedKernelApp(IPKernelApp, _ConfiguredAhead):
    """IPKernelApp whose configuration and shell were made before the fork."""

    def prepare(self, argv: list[str]) -> None:
        _ConfiguredAhead.initialize(self, argv)
        if self.kernel_class is not IPythonKernel or {"shell_class", "compiler_class"} & set(
                self.config.get("IPythonKernel", {})):
            raise RuntimeError("a kernel or shell class of its own is configured")
        # As IPythonKernel.__init__ makes it, whose `shell_class.instance(...)` then returns it.
        ZMQInteractiveShell.instance(parent=self, profile_dir=self.profile_dir, user_ns=self.user_ns,
                                     kernel=None, compiler_class=IPythonKernel.compiler_class.default_value)
        self.prepared = True

    def init_kernel(self) -> None:
        super().init_kernel()
        shell = self.kernel.shell
        shell.kernel = shell.parent = self.kernel
        shell.init_environment()  # its variables, in the environment the fork server set
        shell.history_manager.reset()  # a session of its own, starting in this kernel's folder
        shell.starting_dir = os.getcwd()


def prepare(argv: list[str]) -> None:
    """In a fork server, before it forks the kernel `argv` describes (its ipykernel_launcher
    arguments): prepare an app for such kernels unless one is, or could not be."""
    global _prepared
    split = _without_connection_file(argv)
    if split is None or _prepared is not None or tuple(split[0]) in _unpreparable:
        return
    app = PreparedKernelApp.instance()
    try:
        app.prepare(split[0])
    except Exception as error:  # only costs speed: each kernel then configures itself
        print(f"jupyter-mlops: kernels start unprepared ({type(error).__name__}: {error})", file=sys.stderr)
        _unpreparable.add(tuple(split[0]))
        _forget_singletons()
        return
    _prepared = (split[0], app)


def launch(argv: list[str]) -> None:
    """In the forked child: run the kernel `argv` describes until it is shut down — from the
    app prepared ahead when it was prepared for these arguments, else started anew."""
    split = _without_connection_file(argv)
    if _prepared is not None and split is not None and split[0] == _prepared[0]:
        app = _prepared[1]
        app.connection_file = split[1]
        app.initialize()  # then as IPKernelApp.launch_instance does, with the app already made
        app.start()
        return
    _forget_singletons()  # prepared for other arguments: not this kernel's
    from ipykernel import kernelapp

    kernelapp.launch_new_instance(argv=argv)


def _forget_singletons() -> None:
    PreparedKernelApp.clear_instance()
    ZMQInteractiveShell.clear_instance()
