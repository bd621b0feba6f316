"""Kernels forked from a fork server that configured them and built their IPython shell once,
before forking (batch/prepared.py): each is still set up for its own run, and a kernel
configured in a way the server cannot prepare for starts the ordinary way."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from jupyter_mlops.batch.model import BatchSpec, BatchStatus
from jupyter_mlops.service.runs import get_run
from jupyter_mlops.service.batches import start_batch

# What a kernel's shell decides at its start, that a shell built in the fork server would have
# decided there (its folder, its environment, its history session) — and whether it was.
SETUP = [
    ("i = 0", ["parameters"]),
    """\
import os
import jupyter_mlops
shell = get_ipython()
jupyter_mlops.record("app", type(shell.kernel.parent).__name__)
jupyter_mlops.record("shell_knows_its_kernel", shell.kernel is not None and shell.kernel.shell is shell)
jupyter_mlops.record("starting_dir", shell.starting_dir)
jupyter_mlops.record("dir_history", [str(folder) for folder in _dh])
jupyter_mlops.record("pager", os.environ.get("PAGER"))
jupyter_mlops.record("inputs", len(In))
jupyter_mlops.record("pid", os.getpid())
del shell
""",
]


def _metrics(notebook, points: int = 3) -> list[dict]:
    batch = start_batch(BatchSpec(notebook=str(notebook), points=[{"i": n} for n in range(points)], parallel=2),
                        wait=True)
    assert batch.status == BatchStatus.succeeded, batch.error
    return [get_run(run_id).metrics for run_id in batch.run_ids]


def test_prepared_kernels_are_set_up_for_their_own_run(write_notebook):
    # The batch (and its fork server) run from the repository; the notebook is elsewhere.
    notebook = write_notebook(SETUP)
    assert os.getcwd() != str(notebook.parent)
    metrics = _metrics(notebook)
    assert {m["app"] for m in metrics} == {"PreparedKernelApp"}  # prepared once, in the server
    assert all(m["shell_knows_its_kernel"] for m in metrics)
    assert {m["starting_dir"] for m in metrics} == {str(notebook.parent)}
    assert {tuple(m["dir_history"]) for m in metrics} == {(str(notebook.parent),)}
    assert {m["pager"] for m in metrics} == {"cat"}  # the shell's variables, in the kernel's own environment
    # Its own history: the empty entry and the cells executed so far (context, parameters, this one).
    assert {m["inputs"] for m in metrics} == {metrics[0]["inputs"]}
    assert len({m["pid"] for m in metrics}) == 3


def test_a_kernel_with_a_shell_class_of_its_own_starts_the_ordinary_way(write_notebook, tmp_path, monkeypatch,
                                                                         capfd):
    profile = tmp_path / "ipython" / "profile_default"
    profile.mkdir(parents=True)
    (profile / "ipython_kernel_config.json").write_text(json.dumps(
        {"IPythonKernel": {"shell_class": "ipykernel.zmqshell.ZMQInteractiveShell"}}))
    monkeypatch.setenv("IPYTHONDIR", str(tmp_path / "ipython"))
    notebook = write_notebook(SETUP)
    metrics = _metrics(notebook, points=2)
    assert {m["app"] for m in metrics} == {"IPKernelApp"}
    assert {m["starting_dir"] for m in metrics} == {str(notebook.parent)}
    assert "kernels start unprepared (RuntimeError: a kernel or shell class of its own is configured)" in (
        capfd.readouterr().err)


def test_preparing_starts_no_thread_and_no_zmq_context():
    # What makes forking after it safe, as after the imports.
    script = ("import sys, threading\n"
              "from jupyter_mlops.batch.forkserver import preload\n"
              "preload([])\n"
              "from jupyter_mlops.batch import prepared\n"
              "prepared.prepare(['-f', '/nonexistent/kernel.json', '--HistoryManager.hist_file=:memory:'])\n"
              "import zmq\n"
              "print(prepared._prepared is not None, threading.active_count(), zmq.Context._instance)\n")
    result = subprocess.run([sys.executable, "-X", "frozen_modules=off", "-c", script], capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["True", "1", "None"]
