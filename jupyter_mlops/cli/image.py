"""`jupyter-mlops image build`: run images for the docker backend, built without a registry."""

from __future__ import annotations

import click

from .common import example


@click.group("image", epilog=example("jupyter-mlops image build --requirements requirements.txt --tag my-runs:1"))
def image_group() -> None:
    """Container images that runs execute in (docker backend)."""


@image_group.command("build", epilog=example("""
jupyter-mlops image build --requirements requirements.txt --tag churn-model:1
jupyter-mlops run train.ipynb --backend docker --image churn-model:1"""))
@click.option("--base", help="Image to start from, already in the local engine (never pulled); "
                             "default: jupyter-mlops-base:bookworm, made by scripts/setup-docker.sh.")
@click.option("--requirements", type=click.Path(dir_okay=False, exists=True),
              help="pip requirements to add; their wheels are prepared on this host, the build has no network.")
@click.option("--tag", help="Name of the image to build; default: jupyter-mlops-run:latest.")
def build_command(base: str | None, requirements: str | None, tag: str | None) -> None:
    """Build a run image: BASE + the requirements + jupyter_mlops, labelled with its packages."""
    from ..service.images import build_run_image  # the docker SDK loads only for this command

    tag, image_id = build_run_image(base=base, requirements=requirements, tag=tag,
                                    say=lambda line: click.echo(line, err=True))
    click.echo(f"{tag} {image_id}")
