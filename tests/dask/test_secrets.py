"""Variables and secrets reach the kernel on a Dask worker (its own, or a batch's pooled one), and the
secret's value is masked in everything that comes back."""

from __future__ import annotations

from jupyter_mlops.batch.model import BatchSpec
from jupyter_mlops.run.model import RunSpec
from jupyter_mlops.service.batches import start_batch
from jupyter_mlops.service.runs import get_run, run_notebook

from ..trust.leaks import LEAKY_CELLS, check_masked_run, files_holding, set_token, sha256


def test_a_secret_reaches_a_worker_kernel_and_comes_back_masked(shared_cluster, write_notebook, mlops_home):
    secret = set_token()
    path = write_notebook(LEAKY_CELLS)
    record = run_notebook(RunSpec(notebook=str(path), backend="dask", cluster=shared_cluster.address,
                                  secrets={"DB_TOKEN": "DB_TOKEN"}, env={"MODE": "cluster"}))
    check_masked_run(record, secret, mlops_home)
    assert record.metrics == {"token_sha256": sha256(secret), "mode": "cluster"}


def test_a_batch_on_the_cluster_gives_its_pooled_kernels_the_secret(shared_cluster, write_notebook, mlops_home):
    secret = set_token()
    path = write_notebook([("i = 0", ["parameters"]), *LEAKY_CELLS])
    batch = start_batch(BatchSpec(notebook=str(path), points=[{"i": 1}, {"i": 2}], backend="dask",
                                  cluster=shared_cluster.address, secrets={"DB_TOKEN": "DB_TOKEN"},
                                  env={"MODE": "batch"}), wait=True)
    runs = [get_run(run_id) for run_id in batch.run_ids]
    assert [run.metrics for run in runs] == [{"token_sha256": sha256(secret), "mode": "batch"}] * 2
    assert all(run.error == "ValueError: cannot connect with ***" for run in runs)
    assert files_holding(mlops_home, secret) == []
