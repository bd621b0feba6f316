"""A container never outlives its run: timeouts, out-of-memory, cancel, and a client killed outright."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from jupyter_mlops.run.backends.docker.engine import LABEL_OWNER, LABEL_RUN
from jupyter_mlops.run.model import RunStatus, StepStatus
from jupyter_mlops.service.runs import get_run

from .conftest import containers_of, run_in_docker

pytestmark = pytest.mark.usefixtures("docker_client")

DEAF_SLEEP = "import signal, time\nsignal.signal(signal.SIGINT, signal.SIG_IGN)\ntime.sleep(300)"


def test_a_step_timeout_interrupts_the_cell_inside_the_container(notebook, docker_client):
    run = run_in_docker(notebook(["%%mlstep slow --timeout 2\nimport time\ntime.sleep(300)", "%%mlstep after\n1"]))
    assert run.status == RunStatus.timed_out
    assert [s.status for s in run.steps] == [StepStatus.timed_out, StepStatus.skipped]
    assert containers_of(docker_client, run.id) == []


def test_a_run_timeout_kills_a_container_whose_cell_ignores_the_interrupt(notebook, docker_client):
    started = time.monotonic()
    run = run_in_docker(notebook([f"%%mlstep deaf\n{DEAF_SLEEP}"]), timeout=2)
    assert time.monotonic() - started < 150  # killed, not left to sleep its 300 s
    assert run.status == RunStatus.timed_out
    assert "container was killed" in run.error and "'deaf'" in run.error
    assert "container was killed" in Path(run.log_path).read_text()
    assert containers_of(docker_client, run.id) == []


def test_out_of_memory_is_reported_as_such(notebook, docker_client):
    run = run_in_docker(notebook(["%%mlstep small\nx = 1", "%%mlstep hog\nblob = b'x' * (600 * 1024 * 1024)"]),
                        memory="256m")
    assert run.status == RunStatus.failed
    assert run.failed_step == "hog"
    assert run.error.startswith("out of memory in step 'hog'") and "256m" in run.error
    assert containers_of(docker_client, run.id) == []


def _start_cli_run(path: Path, *options: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-c", "from jupyter_mlops.cli import main; main()", "run", str(path), "--backend", "docker",
         *options], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _wait_for_container(client, pid: int):
    deadline = time.monotonic() + 180  # the CLI's start-up alone takes long on a loaded machine
    while time.monotonic() < deadline:
        for container in client.containers.list(filters={"label": LABEL_RUN}, ignore_removed=True):
            if container.labels[LABEL_OWNER].split(":")[1] == str(pid):
                return container
        time.sleep(0.2)
    raise AssertionError("the run's container never started")


def test_cancel_stops_and_removes_the_container_whose_log_was_followed(notebook, docker_client):
    client = _start_cli_run(notebook([f"%%mlstep deaf\nprint('going to sleep', flush=True)\n{DEAF_SLEEP}"]),
                            "--follow")
    container = _wait_for_container(docker_client, client.pid)
    run_id = container.labels[LABEL_RUN]
    assert client.stderr.readline().startswith(f"run {run_id}")
    lines = iter(client.stderr.readline, "")
    assert "going to sleep" in next(line for line in lines if "going to sleep" in line)  # streamed live
    client.send_signal(signal.SIGTERM)  # what `runs cancel` sends
    assert client.wait(timeout=30) == 1
    assert containers_of(docker_client, run_id) == []
    assert get_run(run_id).status == RunStatus.cancelled


def test_a_killed_clients_container_is_reaped_at_the_next_start(notebook, docker_client):
    client = _start_cli_run(notebook([f"%%mlstep deaf\n{DEAF_SLEEP}"]))
    orphan = _wait_for_container(docker_client, client.pid)
    os.kill(client.pid, signal.SIGKILL)
    client.wait(timeout=10)
    assert [c.id for c in containers_of(docker_client, orphan.labels[LABEL_RUN])] == [orphan.id]

    run = run_in_docker(notebook(["%%mlstep quick\n1"], name="next.ipynb"))
    assert run.status == RunStatus.succeeded, run.error
    assert containers_of(docker_client, orphan.labels[LABEL_RUN]) == []
