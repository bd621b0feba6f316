"""Exports reference secrets and never copy them: Kubernetes secretKeyRef (Jobs and pod tasks),
Airflow Variables for PapermillOperator tasks (run for real with dag.test); the CLI prints what
must exist on the other side."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import kubernetes_validate
import yaml
from click.testing import CliRunner

from jupyter_mlops.cli import main
from jupyter_mlops.secrets import set_secret

from ..trust.leaks import files_holding

VALUE = "tok-export-1f2e3d4c5b"
TOKEN_NOTEBOOK = [
    ("n = 1", ["parameters"]),
    "import hashlib, json, os\n"
    "json.dump({'sha': hashlib.sha256(os.environ['PGPASSWORD'].encode()).hexdigest(), 'mode': os.environ['MODE']},"
    " open('token.json', 'w'))",
]


def _export(*args: str):
    result = CliRunner().invoke(main, ["export", *args, "--env", "MODE=prod", "--secret", "PGPASSWORD=DB_TOKEN"])
    assert result.exit_code == 0, result.output
    return result


def test_kubernetes_manifests_reference_the_secret(write_notebook, tmp_path):
    set_secret("DB_TOKEN", VALUE)  # in the local store: must not travel into the export
    notebook = write_notebook(TOKEN_NOTEBOOK, name="etl.ipynb")
    result = _export("kubernetes", str(notebook), "--image", "registry.local/etl:1", "-o", str(tmp_path / "k8s"))
    assert "kubectl create secret generic etl-secrets -n default --from-literal=DB_TOKEN=..." in result.stderr
    [claim, job] = yaml.safe_load_all((tmp_path / "k8s" / "etl.yaml").read_text())
    kubernetes_validate.validate(job, "1.30", strict=True)
    env = job["spec"]["template"]["spec"]["containers"][0]["env"]
    assert {"name": "MODE", "value": "prod"} in env
    assert {"name": "PGPASSWORD", "valueFrom": {"secretKeyRef": {"name": "etl-secrets", "key": "DB_TOKEN"}}} in env
    assert files_holding(tmp_path / "k8s", VALUE) == []


def test_pod_tasks_reference_the_secret(airflow, write_notebook, tmp_path):
    notebook = write_notebook(TOKEN_NOTEBOOK, name="etl.ipynb")
    dags = tmp_path / "dags"
    result = _export("airflow", str(notebook), "--image", "registry.local/etl:1", "-o", str(dags))
    assert "Kubernetes Secret 'etl-secrets'" in result.stderr
    pods = airflow.driver("pod_spec_driver.py", str(dags / "etl_dag.py"), "etl", "{}", airflow.kubeconfig(),
                          dags=dags)
    pod = pods["notebook"]
    pod.pop("task")
    kubernetes_validate.validate(pod, "1.30", strict=True)
    env = pod["spec"]["containers"][0]["env"]
    assert {"name": "MODE", "value": "prod"} in env
    assert {"name": "PGPASSWORD", "valueFrom": {"secretKeyRef": {"name": "etl-secrets", "key": "DB_TOKEN"}}} in env


def test_papermill_tasks_read_an_airflow_variable(airflow, write_notebook, tmp_path):
    set_secret("DB_TOKEN", VALUE)
    notebook = write_notebook(TOKEN_NOTEBOOK, name="etl.ipynb")
    dags = tmp_path / "dags"
    result = _export("airflow", str(notebook), "-o", str(dags))
    assert "an Airflow Variable 'DB_TOKEN': airflow variables set DB_TOKEN ..." in result.stderr
    assert files_holding(dags, VALUE) == []
    # The Variable as the Airflow side holds it (its environment-variable backend).
    results = airflow.driver("dag_test_driver.py", str(dags / "etl_dag.py"), "etl", "{}", dags=dags,
                             extra_env={"AIRFLOW_VAR_DB_TOKEN": VALUE})
    assert results["etl"]["state"] == "success", results
    [written] = Path(dags / "runs" / "etl").glob("*/token.json")
    assert json.loads(written.read_text()) == {"sha": hashlib.sha256(VALUE.encode()).hexdigest(), "mode": "prod"}
