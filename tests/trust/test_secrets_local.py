"""Secrets and environment variables reach a local kernel; the value is masked in everything written."""

from __future__ import annotations

from jupyter_mlops.batch.model import BatchSpec
from jupyter_mlops.run.model import RunSpec
from jupyter_mlops.service import runs as service
from jupyter_mlops.service.batches import start_batch
from jupyter_mlops.service.runs import get_run

from .leaks import LEAKY_CELLS, check_masked_run, files_holding, sha256


def test_a_secret_reaches_the_kernel_and_is_never_written(write_notebook, mlops_home, secret_value):
    path = write_notebook(LEAKY_CELLS)
    record = service.run_notebook(RunSpec(notebook=str(path), secrets={"DB_TOKEN": "DB_TOKEN"},
                                          env={"MODE": "prod"}))
    check_masked_run(record, secret_value, mlops_home)
    assert record.metrics["token_sha256"] == sha256(secret_value)  # injected
    assert record.metrics["mode"] == "prod"
    assert secret_value not in record.model_dump_json()
    assert record.spec.secrets == {"DB_TOKEN": "DB_TOKEN"} and record.spec.env == {"MODE": "prod"}


def test_a_batch_gives_its_pooled_kernels_the_secret_and_masks_it(write_notebook, mlops_home, secret_value):
    path = write_notebook([("i = 0", ["parameters"]), *LEAKY_CELLS])
    batch = start_batch(BatchSpec(notebook=str(path), points=[{"i": 1}, {"i": 2}], parallel=2,
                                  secrets={"DB_TOKEN": "DB_TOKEN"}, env={"MODE": "batch"}), wait=True)
    runs = [get_run(run_id) for run_id in batch.run_ids]
    assert [run.metrics["token_sha256"] for run in runs] == [sha256(secret_value)] * 2
    assert [run.metrics["mode"] for run in runs] == ["batch"] * 2
    assert all(run.error == "ValueError: cannot connect with ***" for run in runs)
    assert files_holding(mlops_home, secret_value) == []
