"""The exported Kubeflow pipelines, compiled by kfp and run from the compiled YAML by KFP's own local runner (in
its own virtual environment).

The local runner executes every task as a subprocess, with real artifacts between tasks, but ignores
resources, retries, timeouts and node selectors: those are checked in the compiled YAML instead.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import nbformat
import pytest
import yaml
from click.testing import CliRunner

from jupyter_mlops.cli import main
from jupyter_mlops.export import KubeflowOptions, export_kubeflow
from jupyter_mlops.secrets import set_secret

from ..conftest import build_notebook
from ..trust.leaks import files_holding
from .conftest import FLOW

IMAGE = "registry.local/flow:1"
TOKEN = "tok-kfp-5b4c3d2e1f"
STEPS = ["extract", "left", "right", "report"]


def executed(path: str) -> nbformat.NotebookNode:
    return nbformat.read(path, as_version=4)


def compiled(path: Path) -> tuple[dict, dict]:
    """The pipeline spec and the Kubernetes platform spec's executors (none without kfp-kubernetes settings)."""
    spec, *platform = yaml.safe_load_all(path.read_text())
    return spec, platform[0]["platforms"]["kubernetes"]["deploymentSpec"]["executors"] if platform else {}


@pytest.fixture(scope="module")
def exported(kubeflow, tmp_path_factory) -> Path:
    """The flow notebook exported per step, and whole as 'nightly' through the CLI."""
    folder = tmp_path_factory.mktemp("kfp")
    notebook = folder / "flow.ipynb"
    nbformat.write(build_notebook(FLOW), notebook)
    export_kubeflow(notebook, folder / "out", KubeflowOptions(per_step=True, image=IMAGE))
    done = CliRunner().invoke(main, ["export", "kubeflow", str(notebook), "--whole", "--image", IMAGE,
                                     "--name", "nightly", "-o", str(folder / "out")])
    assert done.exit_code == 0, done.output
    assert done.stdout.split()[:2] == [str(folder / "out/nightly.yaml"), str(folder / "out/nightly_pipeline.py")]
    return folder


def test_per_step_pipeline_runs_every_step_in_order_with_artifacts_and_an_overridden_parameter(kubeflow, exported):
    alone = exported / "alone/flow.yaml"  # the YAML holds everything: the notebooks are embedded
    alone.parent.mkdir()
    shutil.copyfile(exported / "out/flow.yaml", alone)
    result = kubeflow.driver("kfp_local_driver.py", str(alone), str(exported / "root"),
                             json.dumps({"scale": 3.0, "label": "123", "sizes": "[1, 2, 3]"}))
    assert result["state"] == "SUCCESS", result
    tasks = result["tasks"]
    assert sorted(tasks) == sorted(STEPS)
    # each task ran in its own empty folder: the files reached the next steps only as artifacts
    assert json.loads(Path(tasks["extract"]["out_raw_json"]).read_text()) == {"values": [3.0, 6.0, 9.0]}
    # scale overridden to 3.0 and sizes to [1, 2, 3] (JSON text); label "123" stays text
    assert json.loads(Path(tasks["report"]["out_report_json"]).read_text()) == {"label": "123", "left": 18.0,
                                                                                "right": 9.0}
    times = {name: executed(tasks[name]["output_notebook"]).metadata.papermill for name in STEPS}
    for upstream, downstream in [("extract", "left"), ("extract", "right"), ("left", "report"), ("right", "report")]:
        assert times[upstream]["end_time"] <= times[downstream]["start_time"], (upstream, downstream)
    report = executed(tasks["report"]["output_notebook"])
    injected = next(c for c in report.cells if "injected-parameters" in c.metadata.get("tags", []))
    assert "scale = 3.0" in injected.source and 'label = "123"' in injected.source
    assert "sizes = [1, 2, 3]" in injected.source  # integers stay integers
    assert "{'label': '123', 'left': 18.0, 'right': 9.0}" in json.dumps(report.cells[-1].outputs)
    assert not any("max(json.load" in c.source for c in report.cells)  # the prelude and its own step only


def test_whole_pipeline_runs_the_notebook_as_one_task_with_default_parameters(kubeflow, exported):
    result = kubeflow.driver("kfp_local_driver.py", str(exported / "out/nightly.yaml"),
                             str(exported / "root-nightly"), "{}")
    assert result["state"] == "SUCCESS", result
    (task,) = result["tasks"].values()
    assert json.loads(Path(task["out_report_json"]).read_text()) == {"label": "run", "left": 6.0, "right": 4.0}
    assert {"out_raw_json", "out_left_json", "out_right_json", "output_notebook"} <= set(task)
    assert sum("json.dump" in c.source for c in executed(task["output_notebook"]).cells) == 4


def test_a_failing_step_fails_the_pipeline_and_nothing_after_it_runs(kubeflow, write_notebook, tmp_path):
    notebook = write_notebook(["%%mlstep first --outputs a.txt\nopen('a.txt', 'w').write('a')",
                               "%%mlstep broken --after first --inputs a.txt\nraise ValueError('bad data')",
                               "%%mlstep last --after broken\nprint('never')"], name="fails.ipynb")
    export_kubeflow(notebook, tmp_path / "out", KubeflowOptions(per_step=True, image=IMAGE))
    result = kubeflow.driver("kfp_local_driver.py", str(tmp_path / "out/fails.yaml"), str(tmp_path / "root"),
                             "{}")
    assert result["state"] == "FAILURE" and "Inner task failed: 'broken'" in result["error"], result
    assert "last" not in result["tasks"] and "out_a_txt" in result["tasks"]["first"]


def test_compiled_yaml_carries_dependencies_types_artifacts_resources_retries_timeouts_and_node_pools(exported):
    spec, executors = compiled(exported / "out/flow.yaml")
    assert spec["pipelineInfo"]["name"] == "flow"
    parameters = spec["root"]["inputDefinitions"]["parameters"]
    assert {name: (p["parameterType"], p["defaultValue"]) for name, p in parameters.items()} == {
        "scale": ("NUMBER_DOUBLE", 2.0), "label": ("STRING", "run"), "sizes": ("STRING", "[1, 2]")}
    tasks = spec["root"]["dag"]["tasks"]
    assert {name: sorted(t.get("dependentTasks", [])) for name, t in tasks.items()} == {
        "extract": [], "left": ["extract"], "right": ["extract"], "report": ["left", "right"]}
    assert tasks["report"]["inputs"]["artifacts"]["in_left_json"] == {
        "taskOutputArtifact": {"outputArtifactKey": "out_left_json", "producerTask": "left"}}
    for name, task in tasks.items():
        assert task["cachingOptions"] == {}, name  # caching off: a run never reuses an earlier run's results
        component = spec["components"][task["componentRef"]["name"]]
        assert "output_notebook" in component["outputDefinitions"]["artifacts"]
        assert spec["deploymentSpec"]["executors"][component["executorLabel"]]["container"]["image"] == IMAGE
    assert tasks["right"]["retryPolicy"]["maxRetryCount"] == 1 and "retryPolicy" not in tasks["left"]
    containers = {name: spec["deploymentSpec"]["executors"][f"exec-{name}"]["container"] for name in STEPS}
    assert containers["left"]["resources"]["resourceCpuRequest"] == "0.5"
    assert containers["left"]["resources"]["resourceMemoryRequest"] == "512Mi"
    right = containers["right"]["resources"]
    assert (right["resourceMemoryRequest"], right["resourceMemoryLimit"]) == ("4Gi", "4Gi")
    assert (right["accelerator"]["resourceType"], right["accelerator"]["resourceCount"]) == ("nvidia.com/gpu", "1")
    assert "resources" not in containers["extract"]
    assert set(executors) == {"exec-right"}  # the only step with a timeout or a node pool
    assert executors["exec-right"]["activeDeadlineSeconds"] == "120"
    assert executors["exec-right"]["nodeSelector"] == {"labels": {"jupyter-mlops/pool": "highmem"}}
    assert executors["exec-right"]["tolerations"] == [
        {"effect": "NoSchedule", "key": "jupyter-mlops/pool", "operator": "Equal", "value": "highmem"},
        {"effect": "NoSchedule", "key": "nvidia.com/gpu", "operator": "Exists"}]


def test_whole_pipeline_yaml_has_one_task_with_the_most_any_step_asks_for(exported):
    spec, executors = compiled(exported / "out/nightly.yaml")
    (name,) = spec["root"]["dag"]["tasks"]
    assert name == "notebook" and "retryPolicy" not in spec["root"]["dag"]["tasks"][name]
    resources = spec["deploymentSpec"]["executors"]["exec-notebook"]["container"]["resources"]
    assert (resources["resourceCpuRequest"], resources["resourceMemoryRequest"]) == ("0.5", "4Gi")
    assert executors["exec-notebook"]["nodeSelector"] == {"labels": {"jupyter-mlops/pool": "highmem"}}
    assert "activeDeadlineSeconds" not in executors["exec-notebook"]  # step timeouts are per step


def test_every_kfp_parameter_type_and_a_step_image(kubeflow, write_notebook, tmp_path):
    notebook = write_notebook([("n = 3\nrate = 0.5\nname = 'x'\nflag = True\nitems = ['a']\nconf = {'k': 'v'}",
                                ["parameters"]), "%%mlstep only --image registry.local/gpu:2\nprint(n)"],
                              name="Typed Params.ipynb")
    paths = export_kubeflow(notebook, tmp_path / "out", KubeflowOptions(per_step=True))
    assert [p.relative_to(tmp_path / "out").as_posix() for p in paths] == [
        "typed-params.yaml", "typed-params_pipeline.py", "typed-params/only.ipynb"]
    spec, _ = compiled(paths[0])
    assert {k: p["parameterType"] for k, p in spec["root"]["inputDefinitions"]["parameters"].items()} == {
        "n": "NUMBER_INTEGER", "rate": "NUMBER_DOUBLE", "name": "STRING", "flag": "BOOLEAN", "items": "STRING",
        "conf": "STRING"}
    assert spec["root"]["inputDefinitions"]["parameters"]["conf"]["defaultValue"] == '{"k": "v"}'
    assert spec["deploymentSpec"]["executors"]["exec-only"]["container"]["image"] == "registry.local/gpu:2"


def test_secrets_are_references_to_a_kubernetes_secret_and_variables_plain_values(kubeflow, write_notebook, tmp_path):
    set_secret("DB_TOKEN", TOKEN)  # in the local store: must not travel into the export
    notebook = write_notebook(["%%mlstep load --outputs mode.txt\nimport os\n"
                               "open('mode.txt', 'w').write(os.environ['MODE'])"], name="etl.ipynb")
    done = CliRunner().invoke(main, ["export", "kubeflow", str(notebook), "--per-step", "--image", IMAGE,
                                     "--env", "MODE=prod", "--secret", "PGPASSWORD=DB_TOKEN", "--secret", "DB_TOKEN",
                                     "-o", str(tmp_path / "kfp")])
    assert done.exit_code == 0, done.output
    assert "kubectl create secret generic etl-secrets -n kubeflow --from-literal=DB_TOKEN=..." in done.stderr
    assert files_holding(tmp_path / "kfp", TOKEN) == []
    spec, executors = compiled(tmp_path / "kfp/etl.yaml")
    assert spec["deploymentSpec"]["executors"]["exec-load"]["container"]["env"] == [{"name": "MODE", "value": "prod"}]
    assert executors["exec-load"]["secretAsEnv"] == [
        {"keyToEnv": [{"envVar": variable, "secretKey": "DB_TOKEN"}], "optional": False,
         "secretName": "etl-secrets", "secretNameParameter": {"runtimeValue": {"constant": "etl-secrets"}}}
        for variable in ("PGPASSWORD", "DB_TOKEN")]
    # the local runner sets the container's plain variables (and ignores the platform's Secret references)
    result = kubeflow.driver("kfp_local_driver.py", str(tmp_path / "kfp/etl.yaml"), str(tmp_path / "root"), "{}")
    assert result["state"] == "SUCCESS", result
    assert Path(result["tasks"]["load"]["out_mode_txt"]).read_text() == "prod"
