"""User-facing actions on container images, shared by every face."""

from __future__ import annotations

from pathlib import Path

from ..run.backends.docker.engine import BASE_IMAGE
from ..run.backends.docker.images import Say, build_image

DEFAULT_TAG = "jupyter-mlops-run:latest"


def build_run_image(*, base: str | None = None, requirements: str | None = None, tag: str | None = None,
                    say: Say = print) -> tuple[str, str]:
    """Build a run image from `base` + `requirements` + jupyter_mlops, with no network.

    Returns the tag and the new image's id.
    """
    tag = tag or DEFAULT_TAG
    image_id = build_image(tag, base=base or BASE_IMAGE, requirements=Path(requirements) if requirements else None,
                           say=say)
    return tag, image_id
