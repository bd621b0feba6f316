"""Run images: a base image + the project's requirements + jupyter_mlops, built with no network.

The host prepares everything the build needs (wheels of the requirements through its own pip
and index configuration, a copy of the jupyter_mlops package), so the Dockerfile's steps run
with `network_mode="none"` and no registry is ever contacted. The image is labelled with every
package it holds, so a run record's image id says exactly what the notebook ran with.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

import docker

import jupyter_mlops

from ....errors import BackendError, ContainerEngineError
from .engine import BASE_IMAGE, LABEL_PACKAGE_VERSION, connect, find_image

LABEL_PACKAGES = "jupyter-mlops.packages"
LABEL_BASE = "jupyter-mlops.base"
#: Where the image keeps the jupyter_mlops package (on PYTHONPATH).
PACKAGE_ROOT = "/opt/jupyter-mlops"

_PROBE = ("import sys, json, importlib.metadata as m; print(json.dumps({'python': '%d.%d' % sys.version_info[:2], "
          "'packages': [d.metadata['Name'] + '==' + d.version for d in m.distributions()]}))")

_DOCKERFILE = f"""\
FROM {{base}}
COPY wheels /tmp/mlops-wheels
RUN {{install}}
COPY jupyter_mlops {PACKAGE_ROOT}/jupyter_mlops
ENV PYTHONPATH={PACKAGE_ROOT}
# The run entry point must import with what the image holds.
RUN python -c "import jupyter_mlops.run.in_container"
"""

Say = Callable[[str], None]


def _normalized(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _probe(client: docker.DockerClient, image_id: str) -> dict:
    try:
        output = client.containers.run(image_id, ["python", "-c", _PROBE], network_mode="none", remove=True,
                                       user="65534:65534", read_only=True, cap_drop=["ALL"])
    except docker.errors.ContainerError as error:
        raise BackendError(f"base image {image_id[:19]} has no working `python` on its PATH: {error}") from None
    return json.loads(output.decode().strip().splitlines()[-1])


def _prepare_wheels(requirements: Path | None, wheels: Path, say: Say) -> list[str]:
    """Wheels of the requirements and their dependencies, made by this host's pip."""
    wheels.mkdir()
    if requirements is None:
        return []
    say(f"preparing wheels for {requirements} on the host")
    # From the file's folder, so relative paths in it mean what they mean next to it.
    done = subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--wheel-dir", str(wheels),
                           "-r", str(requirements.resolve())], capture_output=True, text=True,
                          cwd=requirements.resolve().parent)
    if done.returncode != 0:
        raise BackendError(f"pip could not prepare wheels for {requirements}: {done.stderr.strip()[-2000:]}")
    # A wheel's file name starts with its distribution name and version.
    return [f"{w.name.split('-')[0]}=={w.name.split('-')[1]}" for w in sorted(wheels.glob("*.whl"))]


def _copy_package(target: Path) -> None:
    source = Path(jupyter_mlops.__file__).parent
    # The JupyterLab extension's bundle is for the server, never for a run.
    shutil.copytree(source, target, ignore=shutil.ignore_patterns("__pycache__", "labextension"))


def build_image(tag: str, base: str = BASE_IMAGE, requirements: Path | None = None, say: Say = print) -> str:
    """Build `tag` from `base`; returns the new image's id."""
    if requirements is not None and not requirements.is_file():
        raise BackendError(f"requirements file {requirements} does not exist")
    client = connect()
    base_image = find_image(client, base)
    probed = _probe(client, base_image.id)
    host_python = "%d.%d" % sys.version_info[:2]
    if requirements is not None and probed["python"] != host_python:
        raise BackendError(f"base image {base} has Python {probed['python']} but wheels are prepared by this host's "
                           f"Python {host_python}: use a base image with Python {host_python}")

    with tempfile.TemporaryDirectory(prefix="jupyter-mlops-image-") as context:
        context_dir = Path(context)
        added = _prepare_wheels(requirements, context_dir / "wheels", say)
        _copy_package(context_dir / "jupyter_mlops")
        # Exactly the wheels the host prepared (the requirements may name paths only the host has).
        install = ("python -m pip install --no-index --no-cache-dir --disable-pip-version-check "
                   "--find-links /tmp/mlops-wheels /tmp/mlops-wheels/*.whl && rm -rf /tmp/mlops-wheels"
                   if added else "rm -rf /tmp/mlops-wheels")
        (context_dir / "Dockerfile").write_text(_DOCKERFILE.format(base=base_image.id, install=install))

        packages = {_normalized(p.split("==")[0]): p for p in probed["packages"]}
        packages.update({_normalized(p.split("==")[0]): p for p in added})
        packages["jupyter-mlops"] = f"jupyter-mlops=={jupyter_mlops.__version__}"
        labels = {LABEL_PACKAGES: " ".join(sorted(packages.values(), key=str.lower)),
                  LABEL_PACKAGE_VERSION: jupyter_mlops.__version__, LABEL_BASE: f"{base} {base_image.id}"}

        say(f"building {tag} from {base} with no network")
        image_id = None
        try:
            for chunk in client.api.build(path=context, tag=tag, labels=labels, network_mode="none", pull=False,
                                          rm=True, forcerm=True, decode=True):
                if "error" in chunk:
                    raise BackendError(f"building {tag} failed: {chunk['error'].strip()}")
                if chunk.get("stream", "").strip():
                    say(chunk["stream"].rstrip())
                image_id = chunk.get("aux", {}).get("ID", image_id)
        except docker.errors.APIError as error:
            raise ContainerEngineError(f"the Docker engine refused to build {tag}: {error.explanation or error}") \
                from None
    if image_id is None:
        image_id = client.images.get(tag).id
    return image_id
