"""Real batches on real kernels: isolation between runs, a failing point, fail-fast, results."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import nbformat
import pytest

from jupyter_mlops.batch.model import BatchSpec, BatchStatus
from jupyter_mlops.batch.results import to_csv, to_json
from jupyter_mlops.errors import BatchError
from jupyter_mlops.metrics import read_records
from jupyter_mlops.run.model import RunStatus
from jupyter_mlops.service.batches import batch_results, get_batch, list_batches, start_batch
from jupyter_mlops.service.runs import get_run

# Each run reports what it can see of earlier runs, then leaves traces of every kind: a global,
# an attribute on a module the fork server preloaded (json), an environment variable, the
# working directory, numpy's global random state.
ISOLATION = [
    ("i = 0", ["parameters"]),
    """\
import json, os
import numpy as np
import jupyter_mlops
jupyter_mlops.record("saw_global", "marker" in globals())
jupyter_mlops.record("saw_module_attr", hasattr(json, "marker"))
jupyter_mlops.record("saw_env", os.environ.get("MLOPS_MARKER"))
jupyter_mlops.record("cwd", os.getcwd())
jupyter_mlops.record("pid", os.getpid())
jupyter_mlops.record("random", float(np.random.rand()))
jupyter_mlops.record("user_names", sorted(n for n in globals() if not n.startswith("_")))
marker = i
json.marker = i
os.environ["MLOPS_MARKER"] = str(i)
os.chdir("/")
""",
]


def test_every_run_starts_from_a_clean_kernel(write_notebook):
    notebook = write_notebook(ISOLATION)
    batch = start_batch(BatchSpec(notebook=str(notebook), points=[{"i": n} for n in range(6)], parallel=2), wait=True)
    assert batch.status == BatchStatus.succeeded, batch
    metrics = [get_run(run_id).metrics for run_id in batch.run_ids]
    assert [m["saw_global"] for m in metrics] == [False] * 6
    assert [m["saw_module_attr"] for m in metrics] == [False] * 6
    assert [m["saw_env"] for m in metrics] == [None] * 6
    assert {m["cwd"] for m in metrics} == {str(notebook.parent)}
    assert len({m["pid"] for m in metrics}) == 6  # one kernel per run, never reused
    assert len({m["random"] for m in metrics}) == 6  # numpy reseeded in every forked kernel
    # Nothing in the namespace but the parameter and what the cell defined so far.
    assert {tuple(m["user_names"]) for m in metrics} == {("In", "Out", "exit", "get_ipython", "i", "json",
                                                          "jupyter_mlops", "np", "open", "os", "quit")}


def test_each_pooled_run_reads_its_own_run_context(write_notebook):
    """Safeguards find their run (and its previous one) through the run context, which a pooled
    kernel reads from a file of its pool's, written before its first cell."""
    notebook = write_notebook([
        ("i = 0", ["parameters"]),
        "import os, jupyter_mlops\nfrom jupyter_mlops.checks.context import current_context\n"
        "context = current_context()\n"
        "jupyter_mlops.record('run_id', context.run_id)\n"
        "jupyter_mlops.record('run_dir', str(context.run_dir))\n"
        "jupyter_mlops.record('context_file', os.environ.get('JUPYTER_MLOPS_RUN_CONTEXT_FILE'))",
    ])
    batch = start_batch(BatchSpec(notebook=str(notebook), points=[{"i": n} for n in range(4)], parallel=2), wait=True)
    assert batch.status == BatchStatus.succeeded, batch
    runs = [get_run(run_id) for run_id in batch.run_ids]
    assert [run.metrics["run_id"] for run in runs] == [run.id for run in runs]
    assert [run.metrics["run_dir"] for run in runs] == [run.run_dir for run in runs]
    files = [run.metrics["context_file"] for run in runs]
    assert None not in files and len(set(files)) == 4  # pooled kernels, a file each
    assert not any(Path(file).exists() for file in files)  # gone with their kernels


def test_one_failing_point_does_not_stop_the_others(write_notebook):
    notebook = write_notebook([("alpha = 0.1", ["parameters"]),
                               "import jupyter_mlops\nassert alpha != 0.2, 'alpha 0.2 is refused'\n"
                               "jupyter_mlops.record('double', alpha * 2)"])
    batch = start_batch(BatchSpec(notebook=str(notebook), points=[{"alpha": a} for a in (0.1, 0.2, 0.3)],
                                  parallel=2), wait=True)
    assert batch.status == BatchStatus.failed
    assert batch.counts == {"succeeded": 2, "failed": 1}
    runs = [get_run(run_id) for run_id in batch.run_ids]
    assert [r.status for r in runs] == [RunStatus.succeeded, RunStatus.failed, RunStatus.succeeded]
    assert "alpha 0.2 is refused" in runs[1].error
    assert all(Path(r.output_notebook).exists() for r in runs) and all(r.batch_id == batch.id for r in runs)

    table = batch_results(batch.id, sort="double", descending=True)
    assert table.parameters == ["alpha"] and table.metrics == ["double"]
    assert [(row.parameters["alpha"], row.metrics.get("double"), row.status) for row in table.rows] == [
        (0.3, 0.6, "succeeded"), (0.1, 0.2, "succeeded"), (0.2, None, "failed")]  # no value sorts last
    csv_lines = to_csv(table).splitlines()
    assert csv_lines[0] == "alpha,double,status,duration,run_id"
    assert csv_lines[1].startswith("0.3,0.6,succeeded,")
    assert csv_lines[3].startswith("0.2,,failed,")
    assert json.loads(to_json(table))["rows"][0]["metrics"] == {"double": 0.6}
    with pytest.raises(BatchError, match="cannot sort by 'nope'"):
        batch_results(batch.id, sort="nope")
    assert list_batches()[0][0].id == batch.id and get_batch(batch.id).counts == batch.counts


def test_fail_fast_starts_no_new_run(write_notebook):
    notebook = write_notebook([("alpha = 0.1", ["parameters"]), "assert alpha != 0.1"])
    batch = start_batch(BatchSpec(notebook=str(notebook), points=[{"alpha": a} for a in (0.1, 0.2, 0.3)],
                                  parallel=1, fail_fast=True), wait=True)
    assert batch.status == BatchStatus.cancelled
    assert "--fail-fast" in batch.error
    statuses = [get_run(run_id).status for run_id in batch.run_ids]
    assert statuses == [RunStatus.failed, RunStatus.cancelled, RunStatus.cancelled]


def test_record_round_trip_through_the_output_notebook(write_notebook):
    notebook = write_notebook([("n = 1", ["parameters"]),
                               "import jupyter_mlops\njupyter_mlops.record('accuracy', 0.93)\n"
                               "jupyter_mlops.record('config', {'n': n, 'tags': ['a']})"])
    batch = start_batch(BatchSpec(notebook=str(notebook), points=[{"n": 2}], parallel=1), wait=True)
    run = get_run(batch.run_ids[0])
    expected = {"accuracy": 0.93, "config": {"n": 2, "tags": ["a"]}}
    assert run.metrics == expected
    output = nbformat.read(run.output_notebook, as_version=4)
    assert read_records(output) == expected
    # scrapbook's glue format: the same payload scrapbook.read_notebook(...).scraps reads.
    payloads = [o["data"]["application/scrapbook.scrap.json+json"] for c in output.cells
                for o in c.get("outputs", []) if "application/scrapbook.scrap.json+json" in o.get("data", {})]
    assert payloads[0] == {"name": "accuracy", "data": 0.93, "encoder": "json", "version": 1}


def test_started_in_the_background_with_chosen_steps(write_notebook):
    """What the REST API does: start_batch returns at once, a worker process runs the batch."""
    notebook = write_notebook([("n = 1", ["parameters"]),
                               "%%mlstep first\nimport jupyter_mlops\njupyter_mlops.record('first', n)",
                               "%%mlstep second\njupyter_mlops.record('second', n)"])
    batch = start_batch(BatchSpec(notebook=str(notebook), points=[{"n": 1}, {"n": 2}], steps=["first"]))
    assert batch.status == BatchStatus.queued and len(batch.run_ids) == 2
    deadline = time.monotonic() + 240
    while not get_batch(batch.id).status.finished:
        assert time.monotonic() < deadline, "the background batch did not finish"
        time.sleep(0.5)
    batch = get_batch(batch.id)
    assert batch.status == BatchStatus.succeeded and batch.parallel == (os.cpu_count() or 1)
    runs = [get_run(run_id) for run_id in batch.run_ids]
    assert [r.metrics for r in runs] == [{"first": 1}, {"first": 2}]  # the second step was left out
    assert [[s.name for s in r.steps] for r in runs] == [["first"], ["first"]]
