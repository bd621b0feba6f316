"""What the exports write, read back as data (no engine needed), and the Kubernetes schema check."""

from __future__ import annotations

import kubernetes_validate
import nbformat
import pytest
import yaml
from click.testing import CliRunner

from jupyter_mlops.cli import main
from jupyter_mlops.errors import ExportError
from jupyter_mlops.export import AirflowOptions, KubernetesOptions, export_airflow, export_kubernetes
from jupyter_mlops.export.container import memory_quantity

from ..conftest import build_notebook

K8S_VERSION = "1.30"


def dag_config(paths) -> tuple[str, dict]:
    config = yaml.safe_load(paths[0].read_text())
    (dag_id, dag), = config.items()
    return dag_id, dag


def by_id(dag: dict) -> dict[str, dict]:
    return {t["task_id"]: t for t in dag["tasks"]}


def test_per_step_papermill_tasks_follow_the_pipeline(flow_notebook, tmp_path) -> None:
    paths = export_airflow(flow_notebook, tmp_path / "dags", AirflowOptions(per_step=True, schedule="0 3 * * *"))
    dag_id, dag = dag_config(paths)
    assert dag_id == "flow" and dag["schedule"] == "0 3 * * *" and dag["catchup"] is False
    assert dag["params"] == {"scale": 2.0, "label": "run", "sizes": [1, 2]}
    tasks = by_id(dag)
    assert {k: t.get("dependencies", []) for k, t in tasks.items()} == {
        "run_folder": [], "extract": ["run_folder"], "left": ["extract"], "right": ["extract"],
        "report": ["left", "right"]}
    right = tasks["right"]
    assert right["operator"].endswith("PapermillOperator") and right["render_template_as_native_obj"] is True
    assert right["retries"] == 1 and right["execution_timeout"] == {"__type__": "datetime.timedelta", "seconds": 120}
    assert right["queue"] == "highmem"
    assert right["parameters"]["scale"] == "{{ params.scale }}"
    assert right["parameters"]["label"] == "{{ params.label | tojson }}"  # text that looks like a number stays text
    assert "{{ run_id }}" in right["output_nb"] and "{{ run_id }}" in right["parameters"]["_mlops_workdir"]
    loader = paths[1].read_text()
    assert "load_yaml_dags" in loader and "airflow" in loader.lower() and "dag" in loader  # Airflow's safe mode


def test_task_notebooks_hold_the_prelude_and_their_step_without_magics(flow_notebook, tmp_path) -> None:
    paths = export_airflow(flow_notebook, tmp_path, AirflowOptions(per_step=True))
    right = nbformat.read(tmp_path / "flow" / "right.ipynb", as_version=4)
    nbformat.validate(right)
    sources = [c.source for c in right.cells]
    assert right.cells[0].metadata["tags"] == ["parameters"] and "_mlops_workdir = " in sources[0]
    assert "_os.chdir(_mlops_workdir)" in sources[1]
    assert sources[2] == "import json"
    assert "max(json.load" in sources[3] and "%%mlstep" not in "".join(sources)
    assert len(sources) == 4 and len(paths) == 2 + 4


def test_a_notebook_without_parameters_or_steps_exports_as_one_task(write_notebook, tmp_path) -> None:
    path = write_notebook(["import json", "print(json.dumps({'ok': True}))"], name="plain.ipynb")
    dag_id, dag = dag_config(export_airflow(path, tmp_path, AirflowOptions(per_step=True)))
    assert dag["params"] == {} and [t["task_id"] for t in dag["tasks"]] == ["run_folder", "notebook"]
    task = nbformat.read(tmp_path / "plain" / "notebook.ipynb", as_version=4)
    assert task.cells[0].source == '_mlops_workdir = "."  # the run folder, set by the task'
    assert task.cells[0].metadata["tags"] == ["parameters"]
    assert [c.source for c in task.cells[2:]] == ["import json", "print(json.dumps({'ok': True}))"]


def test_whole_export_is_one_task(flow_notebook, tmp_path) -> None:
    _, dag = dag_config(export_airflow(flow_notebook, tmp_path, AirflowOptions()))
    assert [(t["task_id"], t.get("dependencies")) for t in dag["tasks"]] == [
        ("run_folder", None), ("notebook", ["run_folder"])]
    whole = nbformat.read(tmp_path / "flow" / "notebook.ipynb", as_version=4)
    assert sum("json.dump" in c.source for c in whole.cells) == 4


def test_pod_tasks_map_step_options_onto_kubernetes(flow_notebook, tmp_path) -> None:
    options = AirflowOptions(per_step=True, image="registry.local/flow:1", volume_claim="shared", data="/work")
    tasks = by_id(dag_config(export_airflow(flow_notebook, tmp_path, options))[1])
    assert set(tasks) == {"extract", "left", "right", "report"}  # pods need no folder task
    right = tasks["right"]
    assert right["image"] == "registry.local/flow:1" and right["cmds"] == ["jupyter-mlops"]
    assert right["arguments"][:8] == ["run", "/app/flow.ipynb", "--cwd", "/work", "-o", "/work/right.ipynb",
                                      "--only", "right"]
    assert right["arguments"][8:] == ["-p", "scale", "{{ params.scale | tojson }}", "-r", "label",
                                      "{{ params.label }}", "-p", "sizes", "{{ params.sizes | tojson }}"]
    assert right["container_resources"] == {"__type__": "kubernetes.client.models.V1ResourceRequirements",
                                            "requests": {"memory": "4Gi", "nvidia.com/gpu": "1"},
                                            "limits": {"memory": "4Gi", "nvidia.com/gpu": "1"}}
    assert right["node_selector"] == {"jupyter-mlops/pool": "highmem"}
    assert [t["key"] for t in right["tolerations"]] == ["jupyter-mlops/pool", "nvidia.com/gpu"]
    assert right["volumes"][0]["persistent_volume_claim"]["claim_name"] == "shared"
    assert tasks["left"]["container_resources"]["requests"] == {"cpu": "0.5", "memory": "512Mi"}
    assert "node_selector" not in tasks["left"] and tasks["report"]["dependencies"] == ["left", "right"]


def test_a_whole_notebook_pod_gets_the_most_any_step_asks_for(flow_notebook, tmp_path) -> None:
    options = AirflowOptions(image="registry.local/flow:1", schedule="@daily", notebook_in_image="/nb/flow.ipynb")
    (task,) = dag_config(export_airflow(flow_notebook, tmp_path, options))[1]["tasks"]
    assert task["task_id"] == "notebook" and task["arguments"][:6] == [
        "run", "/nb/flow.ipynb", "--cwd", "/data", "-o", "/data/notebook.ipynb"]
    assert "--only" not in task["arguments"] and "retries" not in task  # step retries happen inside the run
    assert task["container_resources"]["requests"] == {"cpu": "0.5", "memory": "4Gi", "nvidia.com/gpu": "1"}
    assert task["node_selector"] == {"jupyter-mlops/pool": "highmem"}
    assert not (tmp_path / "flow").exists()  # the image holds the notebook


def test_memory_sizes_become_kubernetes_quantities() -> None:
    assert [memory_quantity(m) for m in ("512m", "4g", "2gb", "1.5g", "100", "64k")] == [
        "512Mi", "4Gi", "2Gi", "1.5Gi", "100", "64Ki"]


@pytest.mark.parametrize("schedule", [None, "*/30 * * * *"])
def test_kubernetes_manifests_are_valid_and_carry_the_pipeline_needs(flow_notebook, tmp_path, schedule) -> None:
    (path,) = export_kubernetes(flow_notebook, tmp_path, KubernetesOptions(image="registry.local/flow:1",
                                                                           schedule=schedule))
    claim, workload = list(yaml.safe_load_all(path.read_text()))
    for document in (claim, workload):
        kubernetes_validate.validate(document, K8S_VERSION, strict=True)
    assert workload["kind"] == ("CronJob" if schedule else "Job")
    job = workload["spec"]["jobTemplate"]["spec"] if schedule else workload["spec"]
    pod = job["template"]["spec"]
    (container,) = pod["containers"]
    assert container["image"] == "registry.local/flow:1"
    assert container["command"] + container["args"] == [
        "jupyter-mlops", "run", "/app/flow.ipynb", "--cwd", "/data", "-o", "/data/output.ipynb"]
    # the most any step asks for, on the one pool named
    assert container["resources"] == {"requests": {"cpu": "0.5", "memory": "4Gi", "nvidia.com/gpu": "1"},
                                      "limits": {"memory": "4Gi", "nvidia.com/gpu": "1"}}
    assert pod["nodeSelector"] == {"jupyter-mlops/pool": "highmem"}
    assert pod["volumes"][0]["persistentVolumeClaim"]["claimName"] == claim["metadata"]["name"]


def test_a_broken_manifest_fails_the_schema_check() -> None:
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate({"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": "x"},
                                      "spec": {"template": {"spec": {"containers": [{"image": 3}]}}}},
                                     K8S_VERSION, strict=True)


def test_run_folders_need_an_absolute_path(flow_notebook, tmp_path) -> None:
    with pytest.raises(ExportError, match="--data 'runs' must be an absolute path"):
        export_airflow(flow_notebook, tmp_path, AirflowOptions(data="runs"))


def test_one_pod_cannot_sit_on_two_node_pools(write_notebook, tmp_path) -> None:
    path = write_notebook(["%%mlstep a --pool cpu\nx = 1", "%%mlstep b --pool gpu\ny = 2"])
    with pytest.raises(ExportError, match=r"different node pools \(a: cpu, b: gpu\)"):
        export_kubernetes(path, tmp_path, KubernetesOptions(image="i"))


def test_cli_writes_the_files_and_refuses_shared_memory_in_one_line(flow_notebook, write_notebook, tmp_path) -> None:
    def cli(*args: str):
        return CliRunner().invoke(main, ["export", *args])

    done = cli("airflow", str(flow_notebook), "--per-step", "-o", str(tmp_path / "a"))
    assert done.exit_code == 0, done.output
    assert done.stdout.split()[:2] == [str(tmp_path / "a" / "flow.yaml"), str(tmp_path / "a" / "flow_dag.py")]
    shared = write_notebook(["%%mlstep a\nmodel = 1", "%%mlstep b\nprint(model)"], name="shared.ipynb")
    done = cli("airflow", str(shared), "--per-step", "-o", str(tmp_path / "b"))
    assert done.exit_code == 1 and len(done.stderr.strip().splitlines()) == 1
    assert "SharedMemoryError" in done.stderr and "step 'b' (cell 1) uses 'model'" in done.stderr
    assert not (tmp_path / "b").exists()
    done = cli("kubernetes", str(flow_notebook), "--image", "i:1", "-o", str(tmp_path / "k"))
    assert done.exit_code == 0 and done.stdout.strip() == str(tmp_path / "k" / "flow.yaml")


def test_a_computed_parameter_is_left_to_the_notebook_and_its_cell_stays_below_what_it_needs(tmp_path) -> None:
    source = tmp_path / "computed.ipynb"
    nbformat.write(build_notebook(["import os", ("path = os.getcwd()\nalpha = 0.5", ["parameters"]),
                                   "%%mlstep a\nprint(path, alpha)"]), source)
    paths = export_airflow(source, tmp_path / "dags", AirflowOptions(per_step=True))
    _, dag = dag_config(paths)
    assert dag["params"] == {"alpha": 0.5}  # a DAG param could only replace os.getcwd() by a fixed value
    assert set(by_id(dag)["a"]["parameters"]) == {"_mlops_workdir", "alpha"}
    task = nbformat.read(tmp_path / "dags" / "computed" / "a.ipynb", as_version=4)
    assert [c.source.split("\n")[0] for c in task.cells][:3] == [
        "import os", "path = os.getcwd()", "# Added by jupyter-mlops export: work in this run's folder, where "
        "the steps exchange their files."]
    # the notebook that is only its parameters cell exports as one task of the prelude alone
    only = tmp_path / "only.ipynb"
    nbformat.write(build_notebook([("x = 1", ["parameters"])]), only)
    _, dag = dag_config(export_airflow(only, tmp_path / "dags2", AirflowOptions(per_step=True)))
    assert list(by_id(dag)) == ["run_folder", "notebook"]
