"""`jupyter-mlops export airflow`: a dag-factory YAML file and the small DAG file that loads it.

Without an image, tasks are PapermillOperators running exported notebooks on the Airflow workers;
with `--image`, KubernetesPodOperators running `jupyter-mlops run` in that image. `--whole` makes
one task for the notebook; `--per-step` one task per step, wired like the pipeline, exchanging the
files steps declare through a folder per DAG run (on the workers' shared file system, or on a
volume mounted into every pod).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import nbformat
import yaml

from ..errors import ExportError
from ..pipeline.model import Parameter, Pipeline, Step
from ..pipeline.parser import parse_pipeline, read_notebook
from .analysis import check_step_isolation
from .container import DATA_VOLUME, RUN_FOLDER_VARIABLE, PodNeeds, RunCommand, image_for, notebook_needs, step_needs
from .environment import ExportEnvironment, SecretsFrom
from .notebooks import WORKDIR_PARAMETER, task_notebook

EXPORT_DIR_VARIABLE = "JUPYTER_MLOPS_EXPORT_DIR"  # set by the loader; dag-factory expands it in the YAML
PAPERMILL = "airflow.providers.papermill.operators.papermill.PapermillOperator"
POD = "airflow.providers.cncf.kubernetes.operators.pod.KubernetesPodOperator"
BASH = "airflow.providers.standard.operators.bash.BashOperator"
RUN_FOLDER_TASK = "run_folder"
WHOLE_TASK = "notebook"
_K8S = "kubernetes.client.models."


@dataclass
class AirflowOptions:
    per_step: bool = False
    schedule: str | None = None  # cron; None: triggered by hand
    image: str | None = None  # KubernetesPodOperator tasks in this image; None: PapermillOperator tasks
    dag_id: str | None = None  # default: the notebook's file name
    data: str | None = None  # run folders: a path on the workers, or in the pods where the volume is mounted
    volume_claim: str = "mlops-data"  # pods: the PersistentVolumeClaim mounted at `data`
    namespace: str = "default"
    notebook_in_image: str | None = None  # default: /app/<notebook file name>
    pool_label: str = "jupyter-mlops/pool"  # node label (and taint key) that names a node pool
    environment: ExportEnvironment = field(default_factory=ExportEnvironment)
    secrets_from: SecretsFrom = "variables"  # PapermillOperator tasks: Airflow Variables, or Connections' passwords
    secret_name: str | None = None  # pods: the Kubernetes Secret holding the secrets; default: <dag id>-secrets


def needs(notebook: str | Path, options: AirflowOptions) -> list[str]:
    """What must exist on the other side: the Airflow Variables / Connections, or the Kubernetes Secret."""
    dag_id = options.dag_id or dag_id_for(Path(notebook))
    if options.image:
        return options.environment.kubernetes_needs(options.secret_name or f"{dag_id}-secrets", options.namespace)
    return options.environment.airflow_needs(options.secrets_from)


def dag_id_for(notebook: Path) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]", "_", notebook.stem)


def export_airflow(notebook: str | Path, out_dir: str | Path, options: AirflowOptions) -> list[Path]:
    """Write the DAG's YAML, its loader and (for PapermillOperator tasks) its notebooks; return their paths."""
    notebook, out_dir = Path(notebook), Path(out_dir)
    if options.data and not options.data.startswith(("/", "$")):
        raise ExportError(f"--data {options.data!r} must be an absolute path: tasks run in other folders, "
                          "on other machines")
    source = read_notebook(notebook)
    pipeline = parse_pipeline(source, name=str(notebook))
    if options.per_step:
        check_step_isolation(source, pipeline)
    dag_id = options.dag_id or dag_id_for(notebook)
    builder = (_PodTasks(pipeline, options, notebook.name, dag_id) if options.image
               else _PapermillTasks(source, pipeline, options, dag_id))
    tasks = builder.per_step() if options.per_step else builder.whole()
    config = {dag_id: {
        "description": f"{notebook.name}, exported by jupyter-mlops ({'one task per step' if options.per_step else 'whole'})",
        "default_args": {"owner": "jupyter-mlops", "start_date": "2024-01-01"},
        "schedule": options.schedule,
        "catchup": False,
        "tags": ["jupyter-mlops"],
        # Notebook parameters, overridable when a run is triggered (papermill injects them).
        "params": {p.name: p.default for p in exported_parameters(pipeline)},
        "tasks": tasks,
    }}
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for name, node in builder.notebooks.items():
        path = out_dir / dag_id / f"{name}.ipynb"
        path.parent.mkdir(exist_ok=True)
        nbformat.write(node, path)
        written.append(path)
    config_path = out_dir / f"{dag_id}.yaml"
    config_path.write_text(_HEADER.format(notebook=notebook.name, dag_id=dag_id)
                           + yaml.safe_dump(config, sort_keys=False, width=120), encoding="utf-8")
    loader_path = out_dir / f"{dag_id}_dag.py"
    loader = _LOADER.format(notebook=notebook.name, dag_id=dag_id, variable=EXPORT_DIR_VARIABLE)
    if options.environment and not options.image:
        by_variable = options.secrets_from == "variables"
        loader += _ENVIRONMENT_HOOK.format(
            dag_id=dag_id, env=options.environment.env, secrets=options.environment.secrets,
            secrets_from="Variable" if by_variable else "Connection",
            lookup="Variable.get(name)" if by_variable else "Connection.get(name).password")
    loader_path.write_text(loader, encoding="utf-8")
    return [config_path, loader_path, *written]


def _task(task_id: str, step: Step | None, operator: str, **arguments: Any) -> dict[str, Any]:
    task = {"task_id": task_id, "operator": operator, **arguments}
    if step is not None:
        if step.retries:
            task["retries"] = step.retries
        if step.timeout:
            task["execution_timeout"] = {"__type__": "datetime.timedelta", "seconds": step.timeout}
    return task


def exported_parameters(pipeline: Pipeline) -> list[Parameter]:
    """The parameters a triggered run may set: not those whose default the notebook computes
    (`path = os.getcwd()`), which a DAG param could only replace with a fixed value."""
    return [p for p in pipeline.parameters if p.source is None]


def _templated(parameter: Parameter, *, native: bool) -> str:
    """The parameter's value in a triggered run, as a Jinja template.

    Natively rendered (PapermillOperator) a lone `{{ params.x }}` keeps its type, except text that
    looks like a literal, hence JSON for strings. As text (pod arguments) JSON is YAML to `-p`.
    """
    if parameter.type == "str":
        return f"{{{{ params.{parameter.name} | tojson }}}}" if native else f"{{{{ params.{parameter.name} }}}}"
    return f"{{{{ params.{parameter.name} }}}}" if native else f"{{{{ params.{parameter.name} | tojson }}}}"


class _PapermillTasks:
    """PapermillOperator tasks on the Airflow workers, after a task that creates the run's folder."""

    def __init__(self, source: nbformat.NotebookNode, pipeline: Pipeline, options: AirflowOptions,
                 dag_id: str) -> None:
        self.pipeline = pipeline
        self.source = source
        self.dag_id = dag_id
        root = options.data or f"${{{EXPORT_DIR_VARIABLE}}}/runs"
        self.run_folder = root.rstrip("/") + "/{{ dag.dag_id }}/{{ run_id }}"
        self.notebooks: dict[str, nbformat.NotebookNode] = {}

    def _folder_task(self) -> dict[str, Any]:
        # papermill needs the output notebook's folder to exist before the kernel starts
        return _task(RUN_FOLDER_TASK, None, BASH, bash_command=f'mkdir -p "{self.run_folder}/notebooks"')

    def _notebook_task(self, task_id: str, step: Step | None, only: list[str] | None,
                       after: list[str]) -> dict[str, Any]:
        self.notebooks[task_id] = task_notebook(self.source, self.pipeline, only)
        parameters = {WORKDIR_PARAMETER: self.run_folder}
        parameters.update({p.name: _templated(p, native=True) for p in exported_parameters(self.pipeline)})
        task = _task(task_id, step, PAPERMILL,
                     input_nb=f"${{{EXPORT_DIR_VARIABLE}}}/{self.dag_id}/{task_id}.ipynb",
                     output_nb=f"{self.run_folder}/notebooks/{task_id}.ipynb",
                     parameters=parameters, render_template_as_native_obj=True, dependencies=after)
        if step is not None and step.pool:
            task["queue"] = step.pool  # workers of that kind listen on the queue named after their pool
        return task

    def whole(self) -> list[dict[str, Any]]:
        return [self._folder_task(), self._notebook_task(WHOLE_TASK, None, None, [RUN_FOLDER_TASK])]

    def per_step(self) -> list[dict[str, Any]]:
        return [self._folder_task()] + [
            self._notebook_task(step.name, step, [step.name], step.after or [RUN_FOLDER_TASK])
            for step in self.pipeline.steps]


class _PodTasks:
    """KubernetesPodOperator tasks: `jupyter-mlops run` in the image, the run's folder on a shared volume."""

    def __init__(self, pipeline: Pipeline, options: AirflowOptions, notebook_name: str, dag_id: str) -> None:
        self.pipeline = pipeline
        self.options = options
        self.secret_name = options.secret_name or f"{dag_id}-secrets"
        self.notebooks: dict[str, nbformat.NotebookNode] = {}  # none to write: the image holds the notebook
        self.notebook = options.notebook_in_image or f"/app/{notebook_name}"
        self.mount = options.data or "/data"

    def _pod_task(self, task_id: str, step: Step | None, needs: PodNeeds, after: list[str]) -> dict[str, Any]:
        o = self.options
        command = RunCommand(notebook=self.notebook, workdir=self.mount,
                             output=f"{self.mount}/{task_id}.ipynb", only=step.name if step else None,
                             parameters=[(p, _templated(p, native=False)) for p in exported_parameters(self.pipeline)])
        task = _task(task_id, step, POD,
                     name=re.sub(r"[^a-z0-9-]", "-", task_id.lower()).strip("-") or "step",
                     namespace=o.namespace,
                     image=image_for([step] if step else self.pipeline.steps, o.image),
                     cmds=["jupyter-mlops"], arguments=command.arguments(),
                     # the volume's sub-folder for this DAG run, created by the kubelet, is the working directory
                     env_vars={RUN_FOLDER_VARIABLE: "{{ dag.dag_id }}/{{ run_id }}", **o.environment.env},
                     volumes=[{"__type__": _K8S + "V1Volume", "name": DATA_VOLUME, "persistent_volume_claim": {
                         "__type__": _K8S + "V1PersistentVolumeClaimVolumeSource", "claim_name": o.volume_claim}}],
                     volume_mounts=[{"__type__": _K8S + "V1VolumeMount", "name": DATA_VOLUME,
                                     "mount_path": self.mount, "sub_path_expr": f"$({RUN_FOLDER_VARIABLE})"}],
                     get_logs=True, on_finish_action="delete_pod", dependencies=after)
        if o.environment.secrets:  # references to the Kubernetes Secret's keys (secretKeyRef), never values
            task["secrets"] = [{"__type__": "airflow.providers.cncf.kubernetes.secret.Secret", "deploy_type": "env",
                                "deploy_target": variable, "secret": self.secret_name, "key": key}
                               for variable, key in o.environment.secrets.items()]
        if needs.resources():
            task["container_resources"] = {"__type__": _K8S + "V1ResourceRequirements", **needs.resources()}
        if needs.node_selector(o.pool_label):
            task["node_selector"] = needs.node_selector(o.pool_label)
        if needs.tolerations(o.pool_label):
            task["tolerations"] = [{"__type__": _K8S + "V1Toleration", **t} for t in needs.tolerations(o.pool_label)]
        return task

    def whole(self) -> list[dict[str, Any]]:
        return [self._pod_task(WHOLE_TASK, None, notebook_needs(self.pipeline), [])]

    def per_step(self) -> list[dict[str, Any]]:
        return [self._pod_task(step.name, step, step_needs(step), step.after) for step in self.pipeline.steps]


_HEADER = """\
# Airflow DAG {dag_id} for dag-factory, exported by jupyter-mlops from {notebook}.
# Loaded by {dag_id}_dag.py. Re-export rather than edit: the notebook is the source.
"""

_LOADER = '''\
"""Airflow DAG {dag_id}, exported by jupyter-mlops from {notebook}: dag-factory builds it from {dag_id}.yaml."""

import os
from pathlib import Path

from dagfactory import load_yaml_dags

HERE = Path(__file__).resolve().parent
# {dag_id}.yaml names the exported notebooks and run folders relative to this folder through this variable,
# which dag-factory expands, so the folder can be copied anywhere in the DAGs folder.
os.environ["{variable}"] = str(HERE)
load_yaml_dags(globals_dict=globals(), config_filepath=str(HERE / "{dag_id}.yaml"))
'''

# Appended to the loader when the pipeline has environment variables or secrets (PapermillOperator tasks).
_ENVIRONMENT_HOOK = '''
ENVIRONMENT = {env!r}
# Variable -> the name of the Airflow {secrets_from} holding it; values are read when a task starts.
SECRETS = {secrets!r}


def _environment(context):
    """Before each task, in its process: the variables and secrets into its environment, which the
    notebook's kernel (started by papermill) inherits. Airflow masks Variable and Connection
    secrets in its own logs."""
    from airflow.sdk import Connection, Variable

    os.environ.update(ENVIRONMENT)
    for variable, name in SECRETS.items():
        os.environ[variable] = {lookup}


for _task in globals()["{dag_id}"].tasks:
    _task._pre_execute_hook = _environment  # BaseOperator's pre_execute hook
'''
