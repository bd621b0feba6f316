"""`jupyter-mlops export kubeflow`: a Kubeflow Pipelines (KFP v2) pipeline, compiled, and the Python it came from.

Each task is a KFP Python component that embeds its notebook (the prelude and its step, or the whole
notebook; KFP's `embedded_artifact_path`, the mechanism `dsl.notebook_component` is built on) and runs
it with papermill in a fresh folder: the files the step declares with `--inputs` arrive as KFP input
artifacts from the tasks that wrote them, its `--outputs` leave as output artifacts, and the executed
notebook is the task's `output_notebook` artifact. `dsl.run_notebook` is not used because it keeps no
executed notebook. Notebook parameters become typed pipeline parameters (int, float, str, bool; lists
and dicts as JSON text, exact where KFP's own LIST and STRUCT are not); a step's options become the
task's resources, retry policy, timeout and node selector (kfp-kubernetes). Secrets (`--secret`) are
references to a Kubernetes Secret's keys (`use_secret_as_env`, a secretKeyRef), never values.

This module writes the Python program as text and never imports kfp: the program compiles itself to
the IR YAML in a Python that has kfp (the `kubeflow` extra; setting `kubeflow_python`).
"""

from __future__ import annotations

import json
import keyword
import math
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from ..config import settings
from ..errors import ExportError
from ..pipeline.model import Parameter, Pipeline, Step
from ..pipeline.parser import parse_pipeline, read_notebook
from .analysis import check_step_isolation
from .container import GPU_RESOURCE, PodNeeds, image_for, notebook_needs, step_needs
from .environment import ExportEnvironment
from .kubernetes import resource_name
from .notebooks import WORKDIR_PARAMETER, task_notebook

WHOLE_TASK = "notebook"
NOTEBOOK_ARTIFACT = "mlops_notebook"  # the embedded notebook, an input of every component
OUTPUT_NOTEBOOK = "output_notebook"  # the executed notebook, an output artifact of every task
IMAGE_HOLDING = "kfp, papermill, ipykernel and the notebook's libraries"
_PIPELINE_NAME = re.compile(r"[a-z0-9][a-z0-9-]{0,127}")  # what kfp.dsl.pipeline accepts
# Notebook parameter type -> pipeline parameter type. Lists and dicts travel as JSON text: KFP's LIST and
# STRUCT hold numbers as protobuf doubles, so 1 would reach the notebook as 1.0 (or 2.0 as 2 on a cluster).
_KFP_TYPES = {"int": "int", "float": "float", "str": "str", "bool": "bool", "list": "str", "dict": "str"}
_AS_JSON = {"list", "dict"}
# Names the generated program defines at module level; a step of the same name gets a suffix.
_MODULE_NAMES = {"kfp", "sys", "Path", "HERE", "run_task", "pipeline"}


@dataclass
class KubeflowOptions:
    per_step: bool = False
    image: str | None = None  # the tasks' image (a step's --image wins)
    name: str | None = None  # the pipeline's name; default: from the notebook's file name
    pool_label: str = "jupyter-mlops/pool"  # node label (and taint key) that names a node pool
    environment: ExportEnvironment = field(default_factory=ExportEnvironment)
    secret_name: str | None = None  # the Kubernetes Secret holding the secrets; default: <name>-secrets
    namespace: str = "kubeflow"  # where the pipeline's runs make their pods, so where the Secret must be


@dataclass
class _Task:
    """One KFP task: a component (`function`) and the call that places it in the pipeline."""

    name: str  # the step's name, or WHOLE_TASK
    function: str  # the component's Python name
    image: str
    notebook: nbformat.NotebookNode
    needs: PodNeeds
    step: Step | None = None  # per step: its retries and timeout apply
    after: list[str] = field(default_factory=list)  # task names
    inputs: dict[str, tuple[str, str]] = field(default_factory=dict)  # file -> (producing task, its artifact)
    outputs: dict[str, str] = field(default_factory=dict)  # file -> artifact name


def pipeline_name(notebook: Path) -> str:
    """KFP pipeline names are lower case letters, digits and dashes."""
    return resource_name(notebook)


def artifact_name(direction: str, path: str) -> str:
    """`in_`/`out_` and the file's path as an identifier: data/raw.csv -> out_data_raw_csv."""
    return f"{direction}_" + (re.sub(r"\W+", "_", path).strip("_") or "file")


def _names(notebook: Path, options: KubeflowOptions) -> tuple[str, str]:
    """The pipeline's name and its Secret's."""
    name = options.name or pipeline_name(notebook)
    return name, options.secret_name or f"{name}-secrets"


def needs(notebook: str | Path, options: KubeflowOptions) -> list[str]:
    """What must exist in the cluster before the pipeline runs (the Secret of the secrets)."""
    return options.environment.kubernetes_needs(_names(Path(notebook), options)[1], options.namespace)


def export_kubeflow(notebook: str | Path, out_dir: str | Path, options: KubeflowOptions) -> list[Path]:
    """Write `<name>.yaml` (the compiled pipeline), `<name>_pipeline.py` and the tasks' notebooks; return their paths.

    Everything is checked, generated and compiled in a temporary folder first: bad input or a failed
    compilation leaves `out_dir` untouched.
    """
    notebook, out_dir = Path(notebook), Path(out_dir)
    source = read_notebook(notebook)
    pipeline = parse_pipeline(source, name=str(notebook))
    per_step = options.per_step and not pipeline.implicit
    if per_step:
        check_step_isolation(source, pipeline)
    for parameter in pipeline.parameters:
        _check_parameter(parameter, pipeline)
    tasks = _per_step_tasks(source, pipeline, options) if per_step else [_whole_task(source, pipeline, options)]
    _check_names(pipeline, tasks)
    name, secret = _names(notebook, options)
    if not _PIPELINE_NAME.fullmatch(name):
        raise ExportError(f"--name {name!r} is not a KFP pipeline name: lower case letters, digits and dashes, "
                          "starting with a letter or digit, at most 128")
    program = _program(notebook.name, name, pipeline, tasks, per_step, options, secret)
    python = settings().kubeflow_python or sys.executable
    with tempfile.TemporaryDirectory(prefix="mlops-kfp-") as folder:
        staging = Path(folder)
        files = [Path(f"{name}.yaml"), Path(f"{name}_pipeline.py")]
        (staging / files[1]).write_text(program, encoding="utf-8")
        (staging / name).mkdir()
        for task in tasks:
            files.append(Path(name) / f"{task.name}.ipynb")
            nbformat.write(task.notebook, staging / files[-1])
        _compile(python, staging / files[1], staging / files[0])
        out_dir.mkdir(parents=True, exist_ok=True)
        written = []
        for relative in files:
            (out_dir / relative).parent.mkdir(exist_ok=True)
            written.append(Path(shutil.copyfile(staging / relative, out_dir / relative)))
    return written


def _check_parameter(parameter: Parameter, pipeline: Pipeline) -> None:
    where = f"parameter {parameter.name!r} of {pipeline.notebook or 'the notebook'} (cell {parameter.cell_index})"
    if not parameter.name[0].isalpha():
        raise ExportError(f"{where} does not begin with a letter, as KFP's parameter names must: rename it")
    if parameter.type not in _KFP_TYPES:
        raise ExportError(f"{where} is {parameter.default!r}, of type {parameter.type}, which a KFP pipeline "
                          f"parameter cannot be: give it a default of type {', '.join(_KFP_TYPES)}")
    if parameter.type not in _AS_JSON:
        return
    try:
        same = json.loads(json.dumps(parameter.default)) == parameter.default
    except (TypeError, ValueError):
        same = False
    if not same:  # tuples inside, non-text keys: JSON would change them
        raise ExportError(f"{where} is {parameter.default!r}, which does not survive as JSON, the form list and dict "
                          "parameters take in a KFP pipeline: use lists, dicts with text keys, numbers, text, "
                          "booleans and None")


def _function_name(step_name: str) -> str:
    """The component's Python name, which KFP also makes its task's name (that must begin with a letter)."""
    if not step_name[0].isalpha():
        return f"step{step_name}"
    return f"{step_name}_step" if step_name in _MODULE_NAMES or keyword.iskeyword(step_name) else step_name


def _per_step_tasks(source: nbformat.NotebookNode, pipeline: Pipeline, options: KubeflowOptions) -> list[_Task]:
    tasks: dict[str, _Task] = {}
    for step in pipeline.steps:
        ancestors = [s for s in pipeline.closure([step.name]) if s.name != step.name]
        inputs = {}
        for path in step.inputs:
            producer = next((s for s in reversed(ancestors) if path in s.outputs), None)
            if producer is None:
                _check_unwritten_input(pipeline, step, path)
            else:
                inputs[path] = (producer.name, tasks[producer.name].outputs[path])
        tasks[step.name] = _Task(
            name=step.name, function=_function_name(step.name),
            image=image_for([step], options.image, IMAGE_HOLDING),
            notebook=task_notebook(source, pipeline, [step.name]),
            needs=step_needs(step), step=step, after=list(step.after), inputs=inputs,
            outputs={path: artifact_name("out", path) for path in step.outputs})
    return list(tasks.values())


def _whole_task(source: nbformat.NotebookNode, pipeline: Pipeline, options: KubeflowOptions) -> _Task:
    written: set[str] = set()
    for step in pipeline.steps:
        for path in step.inputs:
            if path not in written:
                _check_unwritten_input(pipeline, step, path)
        written.update(step.outputs)
    outputs = {path: artifact_name("out", path) for step in pipeline.steps for path in step.outputs}
    return _Task(name=WHOLE_TASK, function=_function_name(WHOLE_TASK),
                 image=image_for(pipeline.steps, options.image, IMAGE_HOLDING),
                 notebook=task_notebook(source, pipeline, None), needs=notebook_needs(pipeline), outputs=outputs)


def _check_unwritten_input(pipeline: Pipeline, step: Step, path: str) -> None:
    """A relative input must come from a step before: a KFP task starts in an empty folder."""
    if path.startswith("/"):
        return  # in the image or on a mounted volume
    others = [s.name for s in pipeline.steps if path in s.outputs and s.name != step.name]
    why = (f"written by step {' and '.join(map(repr, others))}, which step {step.name!r} does not come after "
           "(--after)" if others else "which no step writes (--outputs)")
    raise ExportError(f"step {step.name!r} of {pipeline.notebook or 'the notebook'} reads {path!r} (--inputs), "
                      f"{why}: each Kubeflow task starts in an empty folder and receives only the files of the "
                      "steps it comes after. Write the file in an earlier step, or read it from an absolute path "
                      "(in the image or on a mounted volume)")


def _check_names(pipeline: Pipeline, tasks: list[_Task]) -> None:
    """Parameters, artifacts, task variables and the modules the generated functions use share namespaces."""
    parameters = [p.name for p in pipeline.parameters]
    scopes = {"the pipeline function": parameters + ["kfp"] + [f"{t.function}_task" for t in tasks]}
    for task in tasks:
        scopes[f"task {task.name!r}"] = (parameters + [NOTEBOOK_ARTIFACT, OUTPUT_NOTEBOOK, "run_task", "json"]
                                         + [artifact_name("in", path) for path in task.inputs]
                                         + list(task.outputs.values()))
    for scope, names in scopes.items():
        seen = set()
        for name in names:
            if name in seen:
                raise ExportError(f"{name!r} names two things in {scope} of the Kubeflow pipeline (a notebook "
                                  "parameter, a declared file as an artifact, a task or a module it uses): rename "
                                  "the parameter or the file")
            seen.add(name)


def _compile(python: str, program: Path, target: Path) -> None:
    try:
        done = subprocess.run([python, str(program), str(target)], capture_output=True, text=True, timeout=300)
    except FileNotFoundError:
        raise ExportError(f"no Python at {python!r} to compile the Kubeflow pipeline: set kubeflow_python "
                          "(JUPYTER_MLOPS_KUBEFLOW_PYTHON) to a Python with the kfp package") from None
    if done.returncode == 0:
        return
    if "No module named 'kfp" in done.stderr:
        raise ExportError(f"compiling the Kubeflow pipeline needs the kfp and kfp-kubernetes packages in {python}: "
                          "pip install 'jupyter-mlops[kubeflow]' there, or set kubeflow_python "
                          "(JUPYTER_MLOPS_KUBEFLOW_PYTHON) to a Python that has them")
    raise ExportError(f"kfp could not compile the pipeline: {done.stderr.strip()[-3000:]}")


def _program(notebook_name: str, name: str, pipeline: Pipeline, tasks: list[_Task], per_step: bool,
             options: KubeflowOptions, secret: str) -> str:
    declared = [f"{p.name}: {_KFP_TYPES[p.type]} = {_pipeline_default(p)!r}" for p in pipeline.parameters]
    signature = ", ".join(declared)
    if len(signature) > 80:
        signature = "\n" + "".join(f"        {d},\n" for d in declared)
    values = [f"{p.name!r}: json.loads({p.name})" if p.type in _AS_JSON else f"{p.name!r}: {p.name}"
              for p in pipeline.parameters]
    parameters_dict = "{" + ", ".join(values) + "}"
    components = [_component(task, name, pipeline, parameters_dict) for task in tasks]
    calls = []
    for task in tasks:
        variable = f"{task.function}_task"
        arguments = [f"{p.name}={p.name}" for p in pipeline.parameters] + [
            f"{artifact_name('in', path)}={_function_name(producer)}_task.outputs[{artifact!r}]"
            for path, (producer, artifact) in task.inputs.items()]
        call = f"    {variable} = {task.function}({', '.join(arguments)})"
        if len(call) > 110:
            call = f"    {variable} = {task.function}(\n" + "".join(f"        {a},\n" for a in arguments) + "    )"
        calls.append(call)
        calls.extend(f"    {line}" for line in _task_settings(task, variable, options, secret))
    mode = "one task per step" if per_step else "the whole notebook as one task"
    return _PROGRAM.format(
        notebook=notebook_name, name=name, mode=mode, workdir=WORKDIR_PARAMETER, components="\n\n".join(components),
        description=json.dumps(f"{notebook_name}, exported by jupyter-mlops ({mode})"),
        signature=signature, calls="\n".join(calls))


def _pipeline_default(parameter: Parameter) -> object:
    return json.dumps(parameter.default) if parameter.type in _AS_JSON else parameter.default


def _component(task: _Task, name: str, pipeline: Pipeline, parameters_dict: str) -> str:
    arguments = [f"{NOTEBOOK_ARTIFACT}: kfp.dsl.EmbeddedInput[kfp.dsl.Artifact]",
                 f"{OUTPUT_NOTEBOOK}: kfp.dsl.Output[kfp.dsl.Artifact]"]
    arguments += [f"{p.name}: {_KFP_TYPES[p.type]}" for p in pipeline.parameters]
    arguments += [f"{artifact_name('in', path)}: kfp.dsl.Input[kfp.dsl.Artifact]" for path in task.inputs]
    arguments += [f"{artifact}: kfp.dsl.Output[kfp.dsl.Artifact]" for artifact in task.outputs.values()]
    inputs = "{" + ", ".join(f"{path!r}: {artifact_name('in', path)}.path" for path in task.inputs) + "}"
    outputs = "{" + ", ".join(f"{path!r}: {artifact}.path" for path, artifact in task.outputs.items()) + "}"
    what = "the whole notebook" if task.step is None else f"the prelude and step {task.name!r}"
    return _COMPONENT.format(
        image=task.image, embedded=f"{name}/{task.name}.ipynb", function=task.function,
        arguments=",\n        ".join(arguments), what=what, parameters=parameters_dict,
        imports=_JSON_IMPORT if "json.loads" in parameters_dict else "",
        inputs=inputs, outputs=outputs, notebook=NOTEBOOK_ARTIFACT, output_notebook=OUTPUT_NOTEBOOK)


def _task_settings(task: _Task, variable: str, options: KubeflowOptions, secret: str) -> list[str]:
    """The task's dependencies, retry policy, timeout, resources, placement and environment, as kfp calls."""
    pool_label = options.pool_label
    # Notebooks read data that changes between runs: never reuse an earlier run's results.
    lines = [f"{variable}.set_caching_options(enable_caching=False)"]
    wired = {producer for producer, _ in task.inputs.values()}
    if [a for a in task.after if a not in wired]:  # ordering without a file between the tasks
        lines.append(f"{variable}.after({', '.join(_function_name(a) + '_task' for a in task.after)})")
    step = task.step
    if step is not None and step.retries:
        lines.append(f"{variable}.set_retry(num_retries={step.retries})")
    if step is not None and step.timeout:
        lines.append(f"kfp.kubernetes.set_timeout({variable}, seconds={math.ceil(step.timeout)})")
    needs = task.needs
    requests = needs.resources().get("requests", {})
    limits = needs.resources().get("limits", {})
    if "cpu" in requests:
        lines.append(f"{variable}.set_cpu_request({requests['cpu']!r})")
    if "memory" in requests:
        lines.append(f"{variable}.set_memory_request({requests['memory']!r}).set_memory_limit({limits['memory']!r})")
    if needs.gpus:
        lines.append(f"{variable}.set_accelerator_type({GPU_RESOURCE!r}).set_accelerator_limit({needs.gpus})")
    for key, value in needs.node_selector(pool_label).items():
        lines.append(f"kfp.kubernetes.add_node_selector({variable}, label_key={key!r}, label_value={value!r})")
    for toleration in needs.tolerations(pool_label):
        arguments = ", ".join(f"{k}={v!r}" for k, v in toleration.items())
        lines.append(f"kfp.kubernetes.add_toleration({variable}, {arguments})")
    for env_name, value in options.environment.env.items():
        lines.append(f"{variable}.set_env_variable({env_name!r}, {value!r})")
    # references to the Secret's keys (secretKeyRef), never values; one call each, as two variables may share a key
    for env_name, key in options.environment.secrets.items():
        lines.append(f"kfp.kubernetes.use_secret_as_env({variable}, secret_name={secret!r}, "
                     f"secret_key_to_env={{{key!r}: {env_name!r}}})")
    return lines


_JSON_IMPORT = "    import json  # list and dict parameters arrive as JSON text\n\n"

_PROGRAM = '''\
"""Kubeflow pipeline {name}, exported by jupyter-mlops from {notebook} ({mode}).

`python {name}_pipeline.py` compiles it to {name}.yaml (the export did), which any KFP backend accepts:
upload it in the UI or with `kfp pipeline create`. Each task runs its notebook, {name}/<task>.ipynb
(embedded in the YAML), with papermill in the image; the image needs kfp, papermill, ipykernel and
the notebook's libraries. Re-export rather than edit: the notebook is the source.

Without a cluster, KFP's local runner executes it (it ignores resources, retries, timeouts and node
selectors):

    from kfp import components, local
    local.init(runner=local.SubprocessRunner(use_venv=False))
    components.load_component_from_file("{name}.yaml")()  # or with parameters: (name=value, ...)
"""

import sys
from pathlib import Path

import kfp
import kfp.compiler
import kfp.dsl
import kfp.kubernetes

HERE = Path(__file__).resolve().parent


def run_task(notebook: str, output_notebook: str, parameters: dict, inputs: dict, outputs: dict) -> None:
    """Run one task's notebook with papermill in a fresh folder: the input artifacts copied in under the
    paths the step reads, its declared outputs copied out to the output artifacts."""
    import os
    import shutil
    import tempfile

    import papermill

    def copy(source: str, target: str) -> None:
        os.makedirs(os.path.dirname(target) or ".", exist_ok=True)
        if os.path.isdir(source):
            shutil.copytree(source, target, dirs_exist_ok=True)
        else:
            shutil.copyfile(source, target)

    with tempfile.TemporaryDirectory(prefix="mlops-task-") as workdir:
        for path, artifact in inputs.items():
            copy(artifact, os.path.join(workdir, path))
        # The notebook's first cell moves the kernel into {workdir}; the executed notebook is written even when
        # a cell fails, and the failure fails the task.
        papermill.execute_notebook(notebook, output_notebook, parameters={{**parameters, "{workdir}": workdir}},
                                   log_output=True, progress_bar=False)
        for path, artifact in outputs.items():
            source = os.path.join(workdir, path)
            if not os.path.exists(source):
                raise FileNotFoundError(f"the notebook did not write {{path}}, which its step declares (--outputs)")
            copy(source, artifact)


{components}


@kfp.dsl.pipeline(name="{name}", description={description})
def pipeline({signature}) -> None:
{calls}


if __name__ == "__main__":
    kfp.compiler.Compiler().compile(pipeline, sys.argv[1] if len(sys.argv) > 1 else str(HERE / "{name}.yaml"))
'''

_COMPONENT = '''\
# The image holds kfp, papermill and ipykernel: nothing is installed when the task starts.
@kfp.dsl.component(base_image={image!r}, packages_to_install=[], install_kfp_package=False,
                   embedded_artifact_path=str(HERE / {embedded!r}), additional_funcs=[run_task])
def {function}(
        {arguments}) -> None:
    """Runs {what}."""
{imports}    run_task({notebook}.path, {output_notebook}.path, {parameters},
             {inputs},
             {outputs})'''
