"""Docker batches on the real engine: points forked in locked-down slot containers, isolated
from each other, with no container left however the batch ends, and bad input refused first."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import docker
import pytest

from jupyter_mlops.batch.model import BatchSpec, BatchStatus
from jupyter_mlops.run.backends.docker.engine import BASE_IMAGE, LABEL_OWNER, LABEL_SLOT
from jupyter_mlops.run.model import RunStatus, StepStatus
from jupyter_mlops.service.batches import list_batches, start_batch
from jupyter_mlops.service.runs import get_run

from ..trust.leaks import LEAKY_CELLS, files_holding, set_token, sha256

pytestmark = pytest.mark.usefixtures("docker_client")

#: Looks at everything another point could have left behind, then leaves some of each.
SNOOP = """%%mlstep snoop
import json, os, subprocess, tempfile
from jupyter_mlops import record
seen = {
    "global": globals().get("left_by_a_point"),
    "env": os.environ.get("LEFT_BY_A_POINT"),
    # (/tmp is also the kernel's HOME: IPython's own files are there.)
    "tmp": [n for n in os.listdir("/tmp") + os.listdir(tempfile.gettempdir()) if n.startswith("left")],
    "shm": os.listdir("/dev/shm"),
    "files": sorted(os.listdir(os.environ["MLOPS_OUTPUT_DIR"])),
    "processes": sorted(open(f"/proc/{p}/cmdline").read().replace("\\0", " ").strip()
                        for p in os.listdir("/proc") if p.isdigit() and int(p) not in (1, os.getppid())
                        and int(p) != os.getpid()),
}
left_by_a_point = x
os.environ["LEFT_BY_A_POINT"] = str(x)
open(f"/tmp/left-{x}", "w").write("x")
open(f"/dev/shm/left-{x}", "w").write("x")
open(os.path.join(os.environ["MLOPS_OUTPUT_DIR"], f"out-{x}.txt"), "w").write(str(x * x))
subprocess.Popen(["sleep", "300"], start_new_session=True)  # a process that outlives the cell
try:
    open("written-into-the-working-folder", "w")
    seen["cwd"] = "writable"
except OSError as error:
    seen["cwd"] = error.strerror
record("seen", seen)
record("pid", os.getpid())
record("run_id", os.environ["JUPYTER_MLOPS_RUN_ID"])
record("kernel_app", type(get_ipython().kernel.parent).__name__)
"""

LOCKDOWN = """%%mlstep lockdown
import os
from jupyter_mlops import record
status = dict(line.split(":\\t", 1) for line in open("/proc/self/status").read().splitlines() if ":\\t" in line)
try:
    open("/usr/written", "w")
    root = "writable"
except OSError as error:
    root = error.strerror
record("lockdown", {"uid": os.getuid(), "caps": status["CapEff"].strip(), "nnp": status["NoNewPrivs"].strip(),
                    "root": root, "net": sorted(os.listdir("/sys/class/net")),
                    "memory": open("/sys/fs/cgroup/memory/memory.limit_in_bytes").read().strip(),
                    "pids": open("/sys/fs/cgroup/pids/pids.max").read().strip()})
"""


def _slot_containers(client, owner_pid: int | None = None) -> list:
    found = client.containers.list(all=True, filters={"label": LABEL_SLOT}, ignore_removed=True)
    return [c for c in found if owner_pid is None or c.labels[LABEL_OWNER].split(":")[1] == str(owner_pid)]


def _batch(path: Path, points: list[dict], **spec) -> tuple:
    batch = start_batch(BatchSpec(notebook=str(path), points=points, backend="docker", **spec), wait=True)
    return batch, [get_run(run_id) for run_id in batch.run_ids]


def test_points_of_a_docker_batch_see_nothing_of_each_other(notebook, docker_client, tmp_path):
    mine = set(c.id for c in _slot_containers(docker_client))
    path = notebook([("x = 0", ["parameters"]), SNOOP, LOCKDOWN])
    batch, runs = _batch(path, [{"x": i} for i in range(4)], parallel=2)

    assert batch.status == BatchStatus.succeeded, [r.error for r in runs]
    for x, run in enumerate(runs):
        seen = run.metrics["seen"]
        # No global, variable, file, shared memory, output file or process of an earlier point.
        assert seen == {"global": None, "env": None, "tmp": [], "shm": [], "files": [], "processes": [],
                        "cwd": "Read-only file system"}, (x, seen)
        assert run.metrics["run_id"] == run.id
        assert run.metrics["kernel_app"] == "PreparedKernelApp"  # the image's IPython, prepared by its slot server
        assert [(s.name, s.status) for s in run.steps] == [("snoop", StepStatus.succeeded),
                                                            ("lockdown", StepStatus.succeeded)]
        assert (Path(run.run_dir) / "files" / f"out-{x}.txt").read_text() == str(x * x)
        assert Path(run.output_notebook).exists() and Path(run.log_path).exists()
        assert run.backend_info["image_id"].startswith("sha256:") and run.backend_info["network"] == "none"
        lockdown = run.metrics["lockdown"]
        assert lockdown["uid"] != 0 and lockdown["caps"] == "0000000000000000" and lockdown["nnp"] == "1"
        assert lockdown["root"] == "Read-only file system" and lockdown["net"] == ["lo"]
        assert int(lockdown["memory"]) < 2**40 and lockdown["pids"] != "max"  # the limits apply
    # 4 points in 2 slots: containers were reused, and each point was a fresh kernel.
    assert len({r.backend_info["container"] for r in runs}) == 2
    assert len({(r.backend_info["container"], r.metrics["pid"]) for r in runs}) == 4
    assert not (tmp_path / "written-into-the-working-folder").exists()
    assert set(c.id for c in _slot_containers(docker_client)) == mine  # none left behind


def test_oom_timeouts_and_kills_end_a_point_and_the_next_runs_in_the_same_slot(notebook, docker_client):
    path = notebook([("megabytes = 1", ["parameters"]),
                     "%%mlstep small\nx = 1",
                     "%%mlstep hog --memory 256m\nblob = b'x' * (megabytes * 1024 * 1024)",
                     "%%mlstep slow\nimport signal, time\nif megabytes == 3:\n"
                     "    signal.signal(signal.SIGINT, signal.SIG_IGN)\nif megabytes > 1:\n    time.sleep(300)"])
    batch, (hog, slow, deaf, fine) = _batch(path, [{"megabytes": m} for m in (600, 2, 3, 1)], parallel=1, timeout=3)

    assert batch.status == BatchStatus.failed
    assert hog.status == RunStatus.failed and hog.failed_step == "hog"
    assert hog.error.startswith("out of memory in step 'hog'") and "256m" in hog.error
    assert slow.status == RunStatus.timed_out and slow.failed_step == "slow"  # interrupted inside its slot
    assert deaf.status == RunStatus.timed_out and "kernel was killed" in deaf.error and "'slow'" in deaf.error
    assert fine.status == RunStatus.succeeded, fine.error
    assert len({r.backend_info["container"] for r in (hog, slow, deaf, fine)}) == 1
    assert _slot_containers(docker_client, os.getpid()) == []


def _start_cli_batch(path: Path, *options: str) -> subprocess.Popen:
    # Its output goes to a file next to the notebook (a pipe nobody reads could fill and stall it);
    # with faulthandler on, SIGABRT makes it print every thread's stack there (see _wait_for_exit).
    with open(path.parent / "cli.err", "w") as err:  # the child keeps its own copy
        return subprocess.Popen(
            [sys.executable, "-c", "from jupyter_mlops.cli import main; main()", "batch", str(path), "--backend",
             "docker", *options], stdout=subprocess.DEVNULL, stderr=err, env={**os.environ, "PYTHONFAULTHANDLER": "1"})


def _wait_for_exit(client: subprocess.Popen, path: Path, timeout: float) -> int:
    """The CLI's exit status; if it does not exit in time, the test fails with where its threads are."""
    try:
        return client.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        client.send_signal(signal.SIGABRT)
        client.wait(timeout=30)
        pytest.fail(f"the CLI did not exit within {timeout:g} s; its output and threads:\n"
                    + (path.parent / "cli.err").read_text()[-20000:])


def _wait_for_slots(client, pid: int, count: int) -> list:
    deadline = time.monotonic() + 180  # the CLI's start-up alone takes long on a loaded machine
    while time.monotonic() < deadline:
        running = [c for c in _slot_containers(client, pid) if c.status == "running"]
        if len(running) == count:
            return running
        time.sleep(0.2)
    raise AssertionError("the batch's slot containers never started")


SLEEPY = [("x = 0", ["parameters"]), "%%mlstep nap\nimport time\ntime.sleep(300 if x else 0)"]


def test_cancelling_a_docker_batch_leaves_no_container(notebook, docker_client):
    path = notebook(SLEEPY)
    client = _start_cli_batch(path, "-p", "x", "0,1,1,1", "--parallel", "2")
    _wait_for_slots(docker_client, client.pid, 2)
    _wait_for_runs(running=2, succeeded=1)  # the first point is done and two are sleeping
    client.send_signal(signal.SIGTERM)  # what `batch cancel` sends (Ctrl-C takes the same path)
    assert _wait_for_exit(client, path, 60) != 0
    assert _slot_containers(docker_client, client.pid) == []
    batch = list_batches(limit=1)[0][0]
    assert batch.status == BatchStatus.cancelled
    statuses = sorted(get_run(r).status.value for r in batch.run_ids)
    assert statuses == ["cancelled", "cancelled", "cancelled", "succeeded"]


def _wait_for_runs(running: int, succeeded: int = 0) -> None:
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        batches = list_batches(limit=1)[0]
        statuses = [get_run(r).status for r in batches[0].run_ids] if batches else []
        if (statuses.count(RunStatus.running), statuses.count(RunStatus.succeeded)) == (running, succeeded):
            return
        time.sleep(0.2)
    raise AssertionError("the batch's runs never started")


def _running(client, container_id: str) -> bool:
    try:
        return client.containers.get(container_id).status == "running"
    except docker.errors.NotFound:  # another client on this engine reaped it already
        return False


def test_a_killed_clients_slot_containers_stop_and_are_reaped(notebook, docker_client):
    client = _start_cli_batch(notebook(SLEEPY), "-p", "x", "1,1", "--parallel", "2")
    try:
        slots = _wait_for_slots(docker_client, client.pid, 2)
        _wait_for_runs(running=2)
    finally:  # killed however the waits end: a failed wait must not leave the batch running
        os.kill(client.pid, signal.SIGKILL)
        client.wait(timeout=10)
    deadline = time.monotonic() + 60
    while any(_running(docker_client, s.id) for s in slots):
        assert time.monotonic() < deadline, "the fork servers did not exit with their client"
        time.sleep(0.2)  # the connection dropped: each fork server killed its kernels and exited

    folders = {Path(m["Source"]).parent for s in slots for m in s.attrs["Mounts"] if m["Destination"] == "/mlops/kernels"}
    batch, runs = _batch(notebook(SLEEPY, name="next.ipynb"), [{"x": 0}])  # the next batch reaps them
    assert batch.status == BatchStatus.succeeded, runs[0].error
    assert _slot_containers(docker_client, client.pid) == []
    assert len(folders) == 2 and not any(folder.exists() for folder in folders)  # their host folders too


@pytest.fixture(scope="module")
def image_without_ipykernel(docker_client):
    tag = "jupyter-mlops-test-no-ipykernel:1"
    container = docker_client.containers.run(
        BASE_IMAGE, ["sh", "-c", "rm -rf /opt/venv/lib/python3*/site-packages/ipykernel*"], detach=True,
        network_mode="none")
    container.wait()
    container.commit(repository=tag.split(":")[0], tag="1")
    container.remove()
    yield tag
    docker_client.images.remove(tag, force=True)


@pytest.mark.parametrize("case", ["no-kernel", "no-fork-server", "refused-limit"])
def test_bad_input_fails_the_batch_before_its_first_point(case, notebook, docker_client, image_without_ipykernel):
    cells = [("x = 0", ["parameters"]), "%%mlstep a" + (" --cpus 64" if case == "refused-limit" else "") + "\nx"]
    path = notebook(cells)
    if case == "no-kernel":
        data = json.loads(path.read_text())
        data["metadata"]["kernelspec"]["name"] = "julia-1.10"
        path.write_text(json.dumps(data))
    image = image_without_ipykernel if case == "no-fork-server" else BASE_IMAGE
    batch, runs = _batch(path, [{"x": 1}, {"x": 2}], image=image, parallel=2)

    expected = {"no-kernel": f"image {BASE_IMAGE} has no kernel 'julia-1.10'",
                "no-fork-server": f"image {image_without_ipykernel} cannot run the kernel fork server",
                "refused-limit": "the Docker engine refused the batch's container"}[case]
    assert batch.status == BatchStatus.failed and batch.error.startswith(expected), batch.error
    assert all(r.status == RunStatus.failed and r.error == f"not started: {batch.error}" and r.started_at is None
               for r in runs)
    assert _slot_containers(docker_client, os.getpid()) == []


def test_a_docker_batch_gives_its_points_the_variables_and_secrets_and_masks_them(notebook, mlops_home):
    value = set_token()
    path = notebook([("i = 0", ["parameters"]), *LEAKY_CELLS])
    batch, runs = _batch(path, [{"i": 1}, {"i": 2}], parallel=2, secrets={"DB_TOKEN": "DB_TOKEN"},
                         env={"MODE": "docker batch"})
    assert [r.metrics for r in runs] == [{"token_sha256": sha256(value), "mode": "docker batch"}] * 2
    assert all(r.error == "ValueError: cannot connect with ***" for r in runs)
    assert all("the token is ***" in open(r.log_path).read() for r in runs)
    assert files_holding(mlops_home, value) == []
