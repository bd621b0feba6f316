"""What `export kubeflow` refuses, before anything is written (no kfp needed: it never gets to compiling)."""

from __future__ import annotations

import importlib.util
import sys

import pytest
from click.testing import CliRunner

from jupyter_mlops.cli import main
from jupyter_mlops.errors import ExportError, SharedMemoryError
from jupyter_mlops.export import AirflowOptions, KubeflowOptions, export_airflow, export_kubeflow

SHARED = ["%%mlstep a\nmodel = 1", "%%mlstep b --after a\nprint(model)"]


def refused(path, out, options: KubeflowOptions, error=ExportError, match: str | None = None) -> str:
    with pytest.raises(error, match=match) as caught:
        export_kubeflow(path, out, options)
    assert not out.exists()  # nothing written
    return str(caught.value)


def test_shared_memory_is_refused_with_the_airflow_message(write_notebook, tmp_path) -> None:
    path = write_notebook(SHARED, name="shared.ipynb")
    message = refused(path, tmp_path / "kfp", KubeflowOptions(per_step=True, image="i:1"), SharedMemoryError)
    with pytest.raises(SharedMemoryError) as airflow:
        export_airflow(path, tmp_path / "dags", AirflowOptions(per_step=True))
    assert message == str(airflow.value) and "step 'b' (cell 1) uses 'model'" in message


@pytest.mark.parametrize("parameters, match", [
    ("threshold = None", r"parameter 'threshold' .* is None, of type NoneType, which a KFP pipeline parameter "
                         r"cannot be"),
    ("_seed = 1", r"parameter '_seed' .* does not begin with a letter, as KFP's parameter names must"),
    ("pairs = [(1, 2)]", r"parameter 'pairs' .* is \[\(1, 2\)\], which does not survive as JSON"),
    ("conf = {1: 'a'}", r"parameter 'conf' .* does not survive as JSON"),
])
def test_a_parameter_kfp_cannot_express_is_refused(write_notebook, tmp_path, parameters, match) -> None:
    path = write_notebook([(parameters, ["parameters"]), "%%mlstep a\nprint(1)"])
    refused(path, tmp_path / "kfp", KubeflowOptions(image="i:1"), match=match)


def test_a_task_without_an_image_is_refused(write_notebook, tmp_path) -> None:
    path = write_notebook(["%%mlstep a --image registry.local/a:1\nx = 1", "%%mlstep b --after a\ny = 2"])
    refused(path, tmp_path / "kfp", KubeflowOptions(per_step=True),
            match=r"a container image is needed: pass --image \(an image with kfp, papermill, ipykernel")
    path = write_notebook(["%%mlstep a --image registry.local/a:1\nx = 1",
                           "%%mlstep b --image registry.local/b:1\ny = 2"], name="two.ipynb")
    refused(path, tmp_path / "kfp", KubeflowOptions(image="i:1"), match="steps ask for different images")


def test_an_input_no_earlier_step_writes_is_refused(write_notebook, tmp_path, monkeypatch) -> None:
    path = write_notebook(["%%mlstep a --inputs data.csv\nx = 1"])
    refused(path, tmp_path / "kfp", KubeflowOptions(image="i:1"),
            match=r"step 'a' .* reads 'data.csv' \(--inputs\), which no step writes .* each Kubeflow task starts "
                  r"in an empty folder")
    path = write_notebook(["%%mlstep a\nx = 1", "%%mlstep b --after a --outputs m.pkl\ny = 2",
                           "%%mlstep c --after a --inputs m.pkl\nz = 3"], name="b.ipynb")
    refused(path, tmp_path / "kfp", KubeflowOptions(per_step=True, image="i:1"),
            match=r"written by step 'b', which step 'c' does not come after \(--after\)")
    path = write_notebook(["%%mlstep a --inputs /data/raw.csv\nx = 1"], name="absolute.ipynb")
    monkeypatch.setenv("JUPYTER_MLOPS_KUBEFLOW_PYTHON", str(tmp_path / "no-python"))
    with pytest.raises(ExportError, match="no Python at"):  # accepted: it gets as far as compiling
        export_kubeflow(path, tmp_path / "kfp", KubeflowOptions(image="i:1"))


def test_names_kfp_or_python_cannot_take_are_refused(write_notebook, tmp_path) -> None:
    path = write_notebook([("out_m_pkl = 'x'", ["parameters"]), "%%mlstep a --outputs m.pkl\nx = 1"])
    refused(path, tmp_path / "kfp", KubeflowOptions(image="i:1"), match="'out_m_pkl' names two things in task")
    path = write_notebook(["%%mlstep a\nx = 1"], name="plain.ipynb")
    refused(path, tmp_path / "kfp", KubeflowOptions(image="i:1", name="My_Pipeline"),
            match="--name 'My_Pipeline' is not a KFP pipeline name")


def test_compiling_without_kfp_says_how_to_get_it_and_writes_nothing(write_notebook, tmp_path, monkeypatch) -> None:
    if importlib.util.find_spec("kfp") is not None:
        pytest.skip("kfp is installed in the test Python: this test needs a Python without it")
    path = write_notebook(["%%mlstep a\nx = 1"])
    monkeypatch.setenv("JUPYTER_MLOPS_KUBEFLOW_PYTHON", sys.executable)
    refused(path, tmp_path / "kfp", KubeflowOptions(image="i:1"),
            match=r"needs the kfp and kfp-kubernetes packages in .*: pip install 'jupyter-mlops\[kubeflow\]'")
    monkeypatch.setenv("JUPYTER_MLOPS_KUBEFLOW_PYTHON", str(tmp_path / "no-python"))
    refused(path, tmp_path / "kfp", KubeflowOptions(image="i:1"), match="no Python at")


def test_cli_refuses_shared_memory_in_one_line(write_notebook, tmp_path) -> None:
    path = write_notebook(SHARED, name="shared.ipynb")
    done = CliRunner().invoke(main, ["export", "kubeflow", str(path), "--per-step", "--image", "i:1",
                                     "-o", str(tmp_path / "kfp")])
    assert done.exit_code == 1 and len(done.stderr.strip().splitlines()) == 1
    assert "SharedMemoryError" in done.stderr and not (tmp_path / "kfp").exists()
