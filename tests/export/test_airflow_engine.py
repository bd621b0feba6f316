"""The exported DAGs on real Airflow (its own virtual environment), loaded through dag-factory.

PapermillOperator tasks run for real with `dag.test()`; KubernetesPodOperator tasks are rendered
into the pods they would create, without a cluster, and checked against the Kubernetes schema.
"""

from __future__ import annotations

import json
from pathlib import Path

import kubernetes_validate
import nbformat
import pytest

from jupyter_mlops.export import AirflowOptions, export_airflow

from ..conftest import build_notebook
from .conftest import FLOW


@pytest.fixture(scope="module")
def dag_runs(airflow, tmp_path_factory) -> tuple[Path, dict]:
    """Two exports of the flow notebook run in one Airflow process: per step with a parameter
    overridden, and whole on a schedule with the defaults and run folders under --data."""
    folder = tmp_path_factory.mktemp("dag-runs")
    notebook = folder / "flow.ipynb"
    nbformat.write(build_notebook(FLOW), notebook)
    dags = folder / "dags"
    export_airflow(notebook, dags, AirflowOptions(per_step=True))
    export_airflow(notebook, dags, AirflowOptions(schedule="0 3 * * *", data=str(folder / "shared"), dag_id="nightly"))
    results = airflow.driver("dag_test_driver.py", str(dags / "flow_dag.py"), "flow",
                             json.dumps({"scale": 3.0, "label": "123"}),
                             str(dags / "nightly_dag.py"), "nightly", "{}", dags=dags)
    return folder, results


def test_per_step_dag_runs_every_step_in_order_with_an_overridden_parameter(dag_runs):
    folder, results = dag_runs
    tasks = results["flow"]["tasks"]
    assert results["flow"]["state"] == "success", tasks
    assert {name: t["state"] for name, t in tasks.items()} == dict.fromkeys(
        ["run_folder", "extract", "left", "right", "report"], "success")
    for upstream, downstream in [("run_folder", "extract"), ("extract", "left"), ("extract", "right"),
                                 ("left", "report"), ("right", "report")]:
        assert tasks[upstream]["end"] <= tasks[downstream]["start"], (upstream, downstream)

    (run_folder,) = (folder / "dags" / "runs" / "flow").iterdir()
    # scale overridden to 3.0, sizes kept at their default; label "123" stays text
    assert json.loads((run_folder / "report.json").read_text()) == {"label": "123", "left": 9.0, "right": 6.0}
    assert {p.name for p in run_folder.iterdir()} >= {"raw.json", "left.json", "right.json", "notebooks"}
    report = nbformat.read(run_folder / "notebooks" / "report.ipynb", as_version=4)
    injected = next(c for c in report.cells if "injected-parameters" in c.metadata.get("tags", []))
    assert "scale = 3.0" in injected.source and 'label = "123"' in injected.source
    assert "{'label': '123', 'left': 9.0, 'right': 6.0}" in json.dumps(report.cells[-1].outputs)


def test_whole_dag_runs_the_notebook_with_default_parameters(dag_runs):
    folder, results = dag_runs
    assert results["nightly"]["state"] == "success", results["nightly"]["tasks"]
    assert sorted(results["nightly"]["tasks"]) == ["notebook", "run_folder"]
    (run_folder,) = (folder / "shared" / "nightly").iterdir()
    assert json.loads((run_folder / "report.json").read_text()) == {"label": "run", "left": 6.0, "right": 4.0}
    assert (run_folder / "notebooks" / "notebook.ipynb").exists()


def test_pod_tasks_render_to_valid_pods_with_image_command_resources_and_node_pool(airflow, flow_notebook, tmp_path):
    dags = tmp_path / "dags"
    export_airflow(flow_notebook, dags, AirflowOptions(per_step=True, image="registry.local/flow:1"))
    pods = airflow.driver("pod_spec_driver.py", str(dags / "flow_dag.py"), "flow", json.dumps({"scale": 0.5}),
                          airflow.kubeconfig(), dags=dags)
    assert set(pods) == {"extract", "left", "right", "report"}
    for name, pod in pods.items():
        task = pod.pop("task")
        assert (task["retries"], task["execution_timeout"]) == ((1, 120) if name == "right" else (0, None))
        kubernetes_validate.validate(pod, "1.30", strict=True)
        (container,) = pod["spec"]["containers"]
        assert container["image"] == "registry.local/flow:1"
        assert container["command"] == ["jupyter-mlops"]
        assert container["args"][:8] == ["run", "/app/flow.ipynb", "--cwd", "/data", "-o", f"/data/{name}.ipynb",
                                         "--only", name]
        assert container["args"][8:11] == ["-p", "scale", "0.5"]  # the triggered run's value
        assert container["env"] == [{"name": "MLOPS_RUN_FOLDER", "value": "flow/manual__test-run"}]
        assert container["volumeMounts"] == [{"mountPath": "/data", "name": "mlops-data",
                                              "subPathExpr": "$(MLOPS_RUN_FOLDER)"}]
        assert task["upstream"] == {"extract": [], "left": ["extract"], "right": ["extract"],
                                    "report": ["left", "right"]}[name]
    right = pods["right"]["spec"]
    assert right["containers"][0]["resources"] == {"limits": {"memory": "4Gi", "nvidia.com/gpu": "1"},
                                                   "requests": {"memory": "4Gi", "nvidia.com/gpu": "1"}}
    assert right["nodeSelector"] == {"jupyter-mlops/pool": "highmem"}
    assert {t["key"] for t in right["tolerations"]} == {"jupyter-mlops/pool", "nvidia.com/gpu"}
    assert pods["left"]["spec"]["containers"][0]["resources"]["requests"] == {"cpu": "0.5", "memory": "512Mi"}
    assert not pods["left"]["spec"].get("nodeSelector")
