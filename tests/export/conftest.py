"""Fixtures for the export tests: a branching notebook that needs only the standard library, Airflow in
its own virtual environment (scripts/setup-airflow.sh), migrated once per session, and the Kubeflow
Pipelines SDK in another (scripts/setup-kubeflow.sh)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from ..conftest import build_notebook

HERE = Path(__file__).resolve().parent
VENV = Path(os.environ.get("JUPYTER_MLOPS_AIRFLOW_VENV", Path.home() / ".cache/jupyter-mlops/airflow-venv"))
KUBEFLOW_VENV = Path(os.environ.get("JUPYTER_MLOPS_KUBEFLOW_VENV", Path.home() / ".cache/jupyter-mlops/kubeflow-venv"))

# extract -> (left, right) -> report; files between steps; a str, a float and a list parameter.
FLOW = [
    ("scale = 2.0\nlabel = 'run'\nsizes = [1, 2]", ["parameters"]),
    "import json",
    "%%mlstep extract --outputs raw.json\njson.dump({'values': [s * scale for s in sizes]}, open('raw.json', 'w'))",
    "%%mlstep left --after extract --inputs raw.json --outputs left.json --cpus 0.5 --memory 512m\n"
    "left = sum(json.load(open('raw.json'))['values'])\njson.dump(left, open('left.json', 'w'))",
    "%%mlstep right --after extract --inputs raw.json --outputs right.json --retries 1 --timeout 120 --pool highmem"
    " --memory 4g --gpus 1\nright = max(json.load(open('raw.json'))['values'])\njson.dump(right, open('right.json', 'w'))",
    "%%mlstep report --after left,right --inputs left.json,right.json --outputs report.json\n"
    "report = {'label': label, 'left': json.load(open('left.json')), 'right': json.load(open('right.json'))}\n"
    "json.dump(report, open('report.json', 'w'))\nprint(report)",
]

KUBECONFIG = """\
apiVersion: v1
kind: Config
clusters: [{name: none, cluster: {server: "https://127.0.0.1:1"}}]
contexts: [{name: none, context: {cluster: none, user: none}}]
current-context: none
users: [{name: none, user: {token: none}}]
"""


@pytest.fixture
def flow_notebook(write_notebook) -> Path:
    return write_notebook(FLOW, name="flow.ipynb")


class Airflow:
    """Runs the driver scripts of this folder with the Airflow environment's Python."""

    def __init__(self, home: Path) -> None:
        self.home = home
        self.env = {**os.environ, "AIRFLOW_HOME": str(home), "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
                    # no usage reports leave the machine
                    "AIRFLOW__DAG_FACTORY__ENABLE_TELEMETRY": "False", "DO_NOT_TRACK": "true",
                    "SCARF_ANALYTICS": "false", "AIRFLOW__USAGE_DATA_COLLECTION__ENABLED": "False"}
        self.env.pop("JUPYTER_MLOPS_HOME", None)

    def run(self, args: list[str], dags: Path, timeout: float = 300,
            extra_env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
        env = {**self.env, "AIRFLOW__CORE__DAGS_FOLDER": str(dags), **(extra_env or {})}
        return subprocess.run([str(VENV / "bin/python"), *args], env=env, capture_output=True, text=True,
                              timeout=timeout, cwd=self.home)

    def driver(self, name: str, *args: str, dags: Path, extra_env: dict[str, str] | None = None) -> dict:
        done = self.run([str(HERE / name), *args], dags, extra_env=extra_env)
        assert done.returncode == 0, done.stderr[-5000:]
        return json.loads(done.stdout.strip().splitlines()[-1])

    def kubeconfig(self) -> str:
        path = self.home / "kubeconfig"
        path.write_text(KUBECONFIG)
        return str(path)


@pytest.fixture(scope="session")
def airflow(tmp_path_factory) -> Airflow:
    if not (VENV / "bin/airflow").exists():
        message = (f"Airflow is not installed at {VENV}: run scripts/setup-airflow.sh. "
                   "SKIPPING the tests that run the exported DAGs on Airflow.")
        print(f"\n!!!!!!!!!! {message}", file=sys.stderr)
        pytest.skip(message)
    runner = Airflow(tmp_path_factory.mktemp("airflow-home"))
    done = runner.run([str(VENV / "bin/airflow"), "db", "migrate"], runner.home)
    assert done.returncode == 0, done.stderr[-3000:]
    return runner


class Kubeflow:
    """Runs the driver scripts of this folder with the Kubeflow environment's Python."""

    def __init__(self) -> None:
        self.python = KUBEFLOW_VENV / "bin/python"
        # KFP's local runner starts every task with `python3`, and papermill starts the kernel found first
        self.env = {**os.environ, "PATH": f"{KUBEFLOW_VENV / 'bin'}{os.pathsep}{os.environ['PATH']}"}
        self.env.pop("JUPYTER_MLOPS_HOME", None)

    def driver(self, name: str, *args: str, timeout: float = 300) -> dict:
        done = subprocess.run([str(self.python), str(HERE / name), *args], env=self.env, capture_output=True,
                              text=True, timeout=timeout)
        assert done.returncode == 0, done.stderr[-5000:]
        return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="session")
def kubeflow() -> Kubeflow:
    """The Kubeflow environment; exports compile their pipelines with its Python while the session runs."""
    if not (KUBEFLOW_VENV / "bin/kfp").exists():
        message = (f"the Kubeflow Pipelines SDK is not installed at {KUBEFLOW_VENV}: run scripts/setup-kubeflow.sh. "
                   "SKIPPING the tests that compile the exported pipelines and run them with KFP's local runner.")
        print(f"\n!!!!!!!!!! {message}", file=sys.stderr)
        pytest.skip(message)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("JUPYTER_MLOPS_KUBEFLOW_PYTHON", str(KUBEFLOW_VENV / "bin/python"))
        yield Kubeflow()
