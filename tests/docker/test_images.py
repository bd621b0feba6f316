"""`jupyter-mlops image build`: a run image made with no network, labelled with its packages."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from jupyter_mlops.run.backends.docker.engine import BASE_IMAGE
from jupyter_mlops.run.model import RunStatus

from .conftest import run_in_docker

pytestmark = pytest.mark.usefixtures("docker_client")

TAG = "jupyter-mlops-test-run:1"


@pytest.fixture(scope="module")
def run_image(docker_client, tmp_path_factory):
    requirements = tmp_path_factory.mktemp("image") / "requirements.txt"
    requirements.write_text("tabulate\n")
    built = subprocess.run(
        [sys.executable, "-c", "from jupyter_mlops.cli import main; main()", "image", "build",
         "--requirements", str(requirements), "--tag", TAG],
        capture_output=True, text=True, timeout=600)
    assert built.returncode == 0, built.stderr
    tag, image_id = built.stdout.split()
    assert tag == TAG
    yield docker_client.images.get(image_id), built.stderr
    docker_client.images.remove(image_id, force=True)


def test_the_image_is_labelled_with_every_package_it_holds(run_image, docker_client):
    image, output = run_image
    packages = dict(p.split("==") for p in image.labels["jupyter-mlops.packages"].split())
    assert {"tabulate", "papermill", "ipykernel", "jupyter-mlops"} <= set(packages)
    assert image.labels["jupyter-mlops.base"].split()[1] == docker_client.images.get(BASE_IMAGE).id
    assert "with no network" in output


def test_a_run_on_the_image_uses_its_packages_and_records_its_id(run_image, notebook):
    image, _ = run_image
    path = notebook(["%%mlstep show\nimport tabulate, jupyter_mlops\nprint(tabulate.__name__, jupyter_mlops.__file__)"])
    run = run_in_docker(path, image=TAG)
    assert run.status == RunStatus.succeeded, run.error
    assert run.backend_info["image_id"] == image.id
    # The image's own copy of jupyter_mlops, not the host's mounted one.
    assert "tabulate /opt/jupyter-mlops/jupyter_mlops/__init__.py" in Path(run.log_path).read_text()


def test_a_step_can_name_the_image(run_image, notebook):
    image, _ = run_image
    run = run_in_docker(notebook([f"%%mlstep show --image {TAG}\nimport tabulate"]))
    assert run.status == RunStatus.succeeded, run.error
    assert run.backend_info["image_id"] == image.id
