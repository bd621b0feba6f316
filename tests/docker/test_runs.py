"""Runs on the real Docker engine: parameters, results as from `local`, failures, files, errors."""

from __future__ import annotations

import os
from pathlib import Path

import nbformat
import pytest

from jupyter_mlops.batch.model import BatchSpec
from jupyter_mlops.run.backends.docker.engine import BASE_IMAGE
from jupyter_mlops.run.model import RunSpec, RunStatus, StepStatus
from jupyter_mlops.service.batches import start_batch
from jupyter_mlops.service.runs import get_run, run_notebook

from .conftest import containers_of, run_in_docker

pytestmark = pytest.mark.usefixtures("docker_client")

PIPELINE = [
    ("alpha = 0.5\nname = 'base'", ["parameters"]),
    "%%mlstep load\nrows = [alpha * i for i in range(4)]\nprint('loaded', len(rows), name)",
    ("md", "## Training"),
    "%%mlstep train\nfrom jupyter_mlops import record\ntotal = sum(rows)\nrecord('total', total)\ntotal",
]


def _shape(path: str) -> list[tuple]:
    """What must match between a local and a docker run: cells, their sources and output kinds."""
    nb = nbformat.read(path, as_version=4)
    return [(c.cell_type, c.source, c.metadata.get("tags", []), [o.output_type for o in c.get("outputs", [])])
            for c in nb.cells]


def test_parameters_reach_the_container_and_results_match_local(notebook, docker_client):
    path = notebook(PIPELINE)
    local = run_notebook(RunSpec(notebook=str(path), parameters={"alpha": 2.0, "name": "tuned"}))
    run = run_in_docker(path, parameters={"alpha": 2.0, "name": "tuned"})

    assert run.status == RunStatus.succeeded, run.error
    assert [(s.name, s.status) for s in run.steps] == [(s.name, s.status) for s in local.steps]
    assert all(s.duration is not None and s.attempts == 1 for s in run.steps)
    assert run.metrics == local.metrics == {"total": 12.0}
    assert _shape(run.output_notebook) == _shape(local.output_notebook)
    output = nbformat.read(run.output_notebook, as_version=4)
    assert output.metadata.papermill.parameters == {"alpha": 2.0, "name": "tuned"}
    assert "loaded 4 tuned" in Path(run.log_path).read_text()
    assert run.backend_info["image_id"].startswith("sha256:")
    assert run.backend_info["network"] == "none"
    assert containers_of(docker_client, run.id) == []


def test_failing_step_is_recorded_and_its_container_removed(notebook, docker_client):
    path = notebook(["%%mlstep ok\nx = 1", "%%mlstep broken\nraise ValueError('bad input')", "%%mlstep never\nx"])
    run = run_in_docker(path)

    assert run.status == RunStatus.failed
    assert run.failed_step == "broken"
    assert "ValueError: bad input" in run.error
    assert [s.status for s in run.steps] == [StepStatus.succeeded, StepStatus.failed, StepStatus.skipped]
    assert "ValueError" in Path(run.log_path).read_text()
    assert containers_of(docker_client, run.id) == []


def test_limits_come_from_the_steps_then_the_run_options(notebook):
    cgroup = ("print(open('/sys/fs/cgroup/memory/memory.limit_in_bytes').read().strip(), "
              "open('/sys/fs/cgroup/cpu/cpu.cfs_quota_us').read().strip())")
    path = notebook([f"%%mlstep big --memory 300m --cpus 0.5\n{cgroup}"])

    from_steps = run_in_docker(path)
    assert from_steps.status == RunStatus.succeeded, from_steps.error
    assert f"{300 * 1024**2} 50000" in Path(from_steps.log_path).read_text()  # 0.5 CPU of a 100 ms period
    assert (from_steps.backend_info["memory"], from_steps.backend_info["cpus"]) == ("300m", 0.5)

    from_run = run_in_docker(path, memory="400m", cpus=1)
    assert f"{400 * 1024**2} 100000" in Path(from_run.log_path).read_text()


def test_source_is_read_only_and_the_run_writes_into_its_own_folder(notebook, tmp_path):
    (tmp_path / "data.csv").write_text("a,b\n1,2\n")
    path = notebook([
        "%%mlstep read\nprint(open('data.csv').read().splitlines()[1])",
        "%%mlstep write\nimport os\nopen(os.path.join(os.environ['MLOPS_OUTPUT_DIR'], 'out.txt'), 'w').write('kept')\n"
        "try:\n    open('here.txt', 'w')\nexcept OSError as e:\n    print('source:', e.strerror)",
    ])
    run = run_in_docker(path)

    assert run.status == RunStatus.succeeded, run.error
    log = Path(run.log_path).read_text()
    assert "1,2" in log and "source: Read-only file system" in log
    kept = Path(run.run_dir) / "files" / "out.txt"
    assert kept.read_text() == "kept"
    assert kept.stat().st_uid == os.getuid()  # handed back to the host user after the run
    assert not (tmp_path / "here.txt").exists()


def test_a_working_directory_outside_the_notebooks_folder_is_mounted_too(notebook, tmp_path_factory):
    data = tmp_path_factory.mktemp("data")
    data.chmod(0o755)
    (data / "numbers.txt").write_text("42\n")
    run = run_in_docker(notebook(["%%mlstep read\nprint('read', open('numbers.txt').read().strip())"]), cwd=str(data))
    assert run.status == RunStatus.succeeded, run.error
    assert "read 42" in Path(run.log_path).read_text()


def test_writable_source_behaves_like_papermill_locally(notebook, tmp_path):
    path = notebook(["%%mlstep write\nopen('result.txt', 'w').write('done')"])
    run = run_in_docker(path, writable_source=True)
    assert run.status == RunStatus.failed  # root's own folder: the container never runs as root
    assert "belongs to root" in run.error

    os.chown(tmp_path, 4321, 4321)  # a regular user's project folder: the container runs as that user
    run = run_in_docker(path, writable_source=True)
    assert run.status == RunStatus.succeeded, run.error
    assert (tmp_path / "result.txt").read_text() == "done"
    assert (tmp_path / "result.txt").stat().st_uid == 4321
    assert run.backend_info["user"] == "4321:4321"


def test_a_missing_image_fails_the_run_saying_how_to_build_it(notebook, docker_client):
    run = run_in_docker(notebook(["%%mlstep a\n1"]), image="jupyter-mlops-no-such-image:1")
    assert run.status == RunStatus.failed
    assert "never pulled" in run.error and "jupyter-mlops image build --tag jupyter-mlops-no-such-image:1" in run.error
    assert "jupyter-mlops-no-such-image:1" not in {t for i in docker_client.images.list() for t in i.tags}


def test_an_unreachable_engine_fails_the_run_saying_how_to_start_one(notebook, monkeypatch, tmp_path):
    monkeypatch.setenv("DOCKER_HOST", f"unix://{tmp_path}/no-engine.sock")
    run = run_in_docker(notebook(["%%mlstep a\n1"]))
    assert run.status == RunStatus.failed
    assert "no Docker engine answers" in run.error and "scripts/setup-docker.sh" in run.error


def test_gpus_are_requested_from_the_engine(notebook, docker_client):
    run = run_in_docker(notebook(["%%mlstep fit --gpus 1\n1"]))
    # These machines have no GPU: the engine refuses, and the run says so instead of hanging.
    assert run.status == RunStatus.succeeded or "could not start the container" in run.error, run.error
    assert containers_of(docker_client, run.id) == []


def test_a_batch_runs_its_points_in_parallel_containers(notebook, docker_client):
    path = notebook([("x = 0", ["parameters"]), "%%mlstep square\nfrom jupyter_mlops import record\nrecord('y', x * x)"])
    batch = start_batch(BatchSpec(notebook=str(path), points=[{"x": 2}, {"x": 3}], backend="docker",
                                  image=BASE_IMAGE, parallel=2), wait=True)
    runs = [get_run(run_id) for run_id in batch.run_ids]
    assert [(r.status, r.metrics) for r in runs] == [(RunStatus.succeeded, {"y": 4}), (RunStatus.succeeded, {"y": 9})]
    assert {r.spec.image for r in runs} == {BASE_IMAGE}  # the batch's image reached every run
    assert all(r.backend_info["image_id"].startswith("sha256:") for r in runs)
    assert all(containers_of(docker_client, r.id) == [] for r in runs)
