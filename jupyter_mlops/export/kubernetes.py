"""`jupyter-mlops export kubernetes`: a Job, or a CronJob with a schedule, that runs the notebook in an image.

One pod runs the whole notebook with `jupyter-mlops run` (which keeps the step retries and timeouts),
with the most any step asks for in resources, on the node pool its steps name. Each run works in
its own folder of a PersistentVolumeClaim, where the output notebook and the notebook's files stay.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from ..pipeline.parser import parse_pipeline, read_notebook
from .container import DATA_VOLUME, RUN_FOLDER_VARIABLE, RunCommand, image_for, notebook_needs
from .environment import ExportEnvironment


@dataclass
class KubernetesOptions:
    image: str | None = None
    schedule: str | None = None  # cron: a CronJob; None: a Job
    name: str | None = None  # default: the notebook's file name
    namespace: str = "default"
    volume_claim: str = "mlops-data"
    volume_size: str = "10Gi"
    mount: str = "/data"
    notebook_in_image: str | None = None  # default: /app/<notebook file name>
    pool_label: str = "jupyter-mlops/pool"
    environment: ExportEnvironment = field(default_factory=ExportEnvironment)
    secret_name: str | None = None  # the Kubernetes Secret holding the secrets; default: <name>-secrets


def secret_name(options: KubernetesOptions, name: str) -> str:
    return options.secret_name or f"{name}-secrets"


def needs(notebook: str | Path, options: KubernetesOptions) -> list[str]:
    """What must exist in the cluster before the manifests run (the Secret of the secrets)."""
    name = options.name or resource_name(Path(notebook))
    return options.environment.kubernetes_needs(secret_name(options, name), options.namespace)


def resource_name(notebook: Path) -> str:
    """A DNS-1123 name (what Jobs and CronJobs need) from the notebook's file name."""
    return re.sub(r"[^a-z0-9-]+", "-", notebook.stem.lower()).strip("-")[:52] or "notebook"


def manifests(notebook: str | Path, options: KubernetesOptions) -> list[dict[str, Any]]:
    """The PersistentVolumeClaim for the runs' folders and the Job or CronJob."""
    notebook = Path(notebook)
    pipeline = parse_pipeline(read_notebook(notebook), name=str(notebook))
    name = options.name or resource_name(notebook)
    needs = notebook_needs(pipeline)
    labels = {"app.kubernetes.io/name": name, "app.kubernetes.io/managed-by": "jupyter-mlops"}
    command = RunCommand(notebook=options.notebook_in_image or f"/app/{notebook.name}", workdir=options.mount,
                         output=f"{options.mount}/output.ipynb")
    container: dict[str, Any] = {
        "name": "notebook",
        "image": image_for(pipeline.steps, options.image),
        "command": ["jupyter-mlops"],
        "args": command.arguments(),
        "env": [{"name": RUN_FOLDER_VARIABLE, "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}},
                *options.environment.container_env(secret_name(options, name))],
        # each run (pod) works in its own sub-folder of the volume, created by the kubelet
        "volumeMounts": [{"name": DATA_VOLUME, "mountPath": options.mount,
                          "subPathExpr": f"runs/$({RUN_FOLDER_VARIABLE})"}],
    }
    if needs.resources():
        container["resources"] = needs.resources()
    pod: dict[str, Any] = {
        "restartPolicy": "Never",
        "containers": [container],
        "volumes": [{"name": DATA_VOLUME, "persistentVolumeClaim": {"claimName": options.volume_claim}}],
    }
    if needs.node_selector(options.pool_label):
        pod["nodeSelector"] = needs.node_selector(options.pool_label)
    if needs.tolerations(options.pool_label):
        pod["tolerations"] = needs.tolerations(options.pool_label)
    # Step retries happen inside the run, in the same kernel; a failed pod is a failed run.
    job_spec = {"backoffLimit": 0, "template": {"metadata": {"labels": labels}, "spec": pod}}
    metadata = {"name": name, "namespace": options.namespace, "labels": labels}
    if options.schedule:
        workload = {"apiVersion": "batch/v1", "kind": "CronJob", "metadata": metadata, "spec": {
            "schedule": options.schedule, "concurrencyPolicy": "Forbid",
            "successfulJobsHistoryLimit": 3, "failedJobsHistoryLimit": 3,
            "jobTemplate": {"metadata": {"labels": labels}, "spec": job_spec}}}
    else:
        workload = {"apiVersion": "batch/v1", "kind": "Job", "metadata": metadata, "spec": job_spec}
    claim = {"apiVersion": "v1", "kind": "PersistentVolumeClaim",
             "metadata": {"name": options.volume_claim, "namespace": options.namespace, "labels": labels},
             "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": options.volume_size}}}}
    return [claim, workload]


def export_kubernetes(notebook: str | Path, out_dir: str | Path, options: KubernetesOptions) -> list[Path]:
    """Write `<name>.yaml` (apply it with `kubectl apply -f`); return its path."""
    notebook, out_dir = Path(notebook), Path(out_dir)
    documents = manifests(notebook, options)
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"{documents[1]['metadata']['name']}.yaml"
    header = f"# Kubernetes manifests exported by jupyter-mlops from {notebook.name}: kubectl apply -f {path.name}\n"
    path.write_text(header + yaml.safe_dump_all(documents, sort_keys=False, width=120), encoding="utf-8")
    return [path]
