"""`jupyter-mlops export airflow|kubeflow|kubernetes NB -o DIR`: hand the pipeline to an existing engine."""

from __future__ import annotations

import click

from ..export import (AirflowOptions, KubeflowOptions, KubernetesOptions, export_airflow, export_kubeflow,
                      export_kubernetes)
from ..export import airflow as airflow_export
from ..export import kubeflow as kubeflow_export
from ..export import kubernetes as kubernetes_export
from ..export.environment import ExportEnvironment
from .common import example
from .environment_options import environment_fields, environment_options


@click.group("export", epilog=example("""
jupyter-mlops export airflow example_notebooks/branching.ipynb --per-step -o dags/
jupyter-mlops export kubeflow example_notebooks/branching.ipynb --per-step --image registry/branching:1 -o kfp/
jupyter-mlops export kubernetes example_notebooks/train_evaluate.ipynb --image registry/churn:1 -o k8s/"""))
def export_group() -> None:
    """Hand a notebook's pipeline to Airflow, Kubeflow Pipelines or Kubernetes when one machine is not enough."""


def _written(paths, needs: list[str]) -> None:
    for path in paths:
        click.echo(str(path))
    for need in needs:  # references only: the values are set on the other side, by name
        click.echo(f"needs {need}", err=True)


def _environment(options: dict) -> ExportEnvironment:
    fields = environment_fields(options.pop("env_items"), options.pop("secret_items"))
    return ExportEnvironment(env=fields["env"], secrets=fields["secrets"])


@export_group.command("airflow", epilog=example("""
jupyter-mlops export airflow train.ipynb --whole --schedule "0 3 * * *" -o ~/airflow/dags/train
jupyter-mlops export airflow train.ipynb --per-step --image registry/train:1 --volume-claim ml-data -o dags/"""))
@click.argument("notebook", type=click.Path(dir_okay=False))
@click.option("-o", "--output", "out_dir", required=True, type=click.Path(file_okay=False),
              help="Folder for the DAG's YAML, its loader and notebooks (e.g. inside the DAGs folder).")
@click.option("--whole/--per-step", "whole", default=True, show_default=True,
              help="One task for the notebook, or one task per step wired like the pipeline.")
@click.option("--schedule", help="Cron expression; without it the DAG runs when triggered.")
@click.option("--image", help="Run tasks as KubernetesPodOperators in this image (with jupyter-mlops and the "
                              "notebook); without it, PapermillOperators on the workers.")
@click.option("--dag-id", help="DAG id (default: the notebook's file name).")
@click.option("--data", help="Where each DAG run's folder goes: a path all workers share (default: runs/ next "
                             "to the DAG), or with --image where the volume is mounted in pods (default: /data).")
@click.option("--volume-claim", default="mlops-data", show_default=True,
              help="With --image: the PersistentVolumeClaim shared by the pods.")
@click.option("--namespace", default="default", show_default=True, help="With --image: namespace of the pods.")
@click.option("--notebook-in-image", help="With --image: the notebook's path in the image (default: /app/NAME).")
@click.option("--pool-label", default="jupyter-mlops/pool", show_default=True,
              help="With --image: node label and taint key that name a step's --pool.")
@environment_options
@click.option("--secrets-from", type=click.Choice(["variables", "connections"]), default="variables",
              show_default=True, help="Without --image: tasks read each secret from the Airflow Variable of its name, "
                                      "or the password of the Airflow Connection of its name.")
@click.option("--secret-name", help="With --image: the Kubernetes Secret whose keys hold the secrets "
                                    "(default: DAG_ID-secrets).")
def airflow_command(notebook: str, out_dir: str, whole: bool, **options) -> None:
    """Write NOTEBOOK as an Airflow DAG: dag-factory YAML plus a small loader.

    Parameters become DAG params, overridable when a run is triggered. Per step, each task runs
    the prelude and its step only; steps exchange the files they declare (--inputs/--outputs).
    """
    settings = AirflowOptions(per_step=not whole, environment=_environment(options), **options)
    _written(export_airflow(notebook, out_dir, settings), airflow_export.needs(notebook, settings))


@export_group.command("kubeflow", epilog=example("""
jupyter-mlops export kubeflow train.ipynb --per-step --image registry/train:1 -o kfp/
kfp pipeline create --pipeline-name train kfp/train.yaml"""))
@click.argument("notebook", type=click.Path(dir_okay=False))
@click.option("-o", "--output", "out_dir", required=True, type=click.Path(file_okay=False),
              help="Folder for the compiled pipeline (NAME.yaml), its Python source and the tasks' notebooks.")
@click.option("--whole/--per-step", "whole", default=True, show_default=True,
              help="One task for the notebook, or one task per step wired like the pipeline.")
@click.option("--image", help="Image the tasks run in, with kfp, papermill, ipykernel and the notebook's libraries "
                              "(a step's own --image wins); needed unless every task's steps name one.")
@click.option("--name", help="Pipeline name (default: from the notebook's file name).")
@click.option("--pool-label", default="jupyter-mlops/pool", show_default=True,
              help="Node label and taint key that name a step's --pool.")
@environment_options
@click.option("--secret-name", help="The Kubernetes Secret whose keys hold the secrets (default: NAME-secrets).")
@click.option("--namespace", default="kubeflow", show_default=True,
              help="Namespace the pipeline's runs make their pods in (a Kubeflow profile's), where the Secret "
                   "must be.")
def kubeflow_command(notebook: str, out_dir: str, whole: bool, **options) -> None:
    """Write NOTEBOOK as a Kubeflow Pipelines (KFP v2) pipeline, compiled to the YAML any KFP backend accepts.

    Parameters become typed pipeline parameters; per step, the files steps declare (--inputs/--outputs)
    pass between tasks as KFP artifacts, and every task keeps its executed notebook as an artifact.
    Secrets become references to a Kubernetes Secret's keys (secretKeyRef); what must exist is printed.
    Compiling needs kfp (the `kubeflow` extra) in this Python or in the kubeflow_python setting's.
    """
    settings = KubeflowOptions(per_step=not whole, environment=_environment(options), **options)
    _written(export_kubeflow(notebook, out_dir, settings), kubeflow_export.needs(notebook, settings))


@export_group.command("kubernetes", epilog=example("""
jupyter-mlops export kubernetes train.ipynb --image registry/train:1 --schedule "0 3 * * *" -o k8s/"""))
@click.argument("notebook", type=click.Path(dir_okay=False))
@click.option("-o", "--output", "out_dir", required=True, type=click.Path(file_okay=False),
              help="Folder for the manifest file.")
@click.option("--image", required=True, help="Image with jupyter-mlops and the notebook.")
@click.option("--schedule", help="Cron expression: a CronJob; without it, a Job.")
@click.option("--name", help="Name of the Job or CronJob (default: from the notebook's file name).")
@click.option("--namespace", default="default", show_default=True)
@click.option("--volume-claim", default="mlops-data", show_default=True,
              help="PersistentVolumeClaim for the runs' folders (written into the manifest).")
@click.option("--volume-size", default="10Gi", show_default=True, help="Size the claim requests.")
@click.option("--mount", default="/data", show_default=True, help="Where the run's folder is mounted.")
@click.option("--notebook-in-image", help="The notebook's path in the image (default: /app/NAME).")
@click.option("--pool-label", default="jupyter-mlops/pool", show_default=True,
              help="Node label and taint key that name the steps' --pool.")
@environment_options
@click.option("--secret-name", help="The Kubernetes Secret whose keys hold the secrets (default: NAME-secrets).")
def kubernetes_command(notebook: str, out_dir: str, **options) -> None:
    """Write NOTEBOOK as a Kubernetes Job (or CronJob) running it in an image, with resources and a volume.

    Secrets become references to a Kubernetes Secret's keys (secretKeyRef); what must exist is printed.
    """
    settings = KubernetesOptions(environment=_environment(options), **options)
    _written(export_kubernetes(notebook, out_dir, settings), kubernetes_export.needs(notebook, settings))
