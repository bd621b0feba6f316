"""Batches through the API: one run per parameter set, a results table, confined paths, listing."""

from __future__ import annotations

import asyncio
import time

import nbformat

from jupyter_mlops.batch import store as batch_store
from jupyter_mlops.batch.model import BatchSpec
from jupyter_mlops.run.model import RunSpec
from jupyter_mlops.service import runs as run_service
from tests.conftest import build_notebook

SCORE = [("alpha = 0.5", ["parameters"]),
         "%%mlstep score\nfrom jupyter_mlops.metrics import record\nrecord('score', alpha * 2)"]


async def test_batch_runs_every_point_and_tabulates(api, notebook):
    path = notebook(SCORE, name="grid/score.ipynb")
    status, batch = await api("POST", "batches", {"notebook": path, "points": [{"alpha": 1.0}, {"alpha": 3.0}],
                                                  "parallel": 2})
    assert status == 201 and len(batch["run_ids"]) == 2, batch

    deadline = time.monotonic() + 120
    while batch["status"] in ("queued", "running") and time.monotonic() < deadline:
        await asyncio.sleep(0.5)
        _, batch = await api("GET", f"batches/{batch['id']}")
    assert batch["status"] == "succeeded", batch

    status, table = await api("GET", f"batches/{batch['id']}/results", sort="score", descending="true")
    assert status == 200 and table["parameters"] == ["alpha"] and table["metrics"] == ["score"]
    assert [row["metrics"]["score"] for row in table["rows"]] == [6.0, 2.0]

    _, page = await api("GET", "batches")
    assert page["total"] == 1 and page["batches"][0]["id"] == batch["id"]
    _, runs = await api("GET", "runs", batch_id=batch["id"])
    assert runs["total"] == 2 and {r["trigger"] for r in runs["runs"]} == {"batch"}


async def test_batch_refusals(api, notebook):
    path = notebook(SCORE)
    cases = [
        ({"notebook": path, "points": []}, 400, "points"),
        ({"notebook": path, "points": [{"alpha": "x"}]}, 400, "alpha"),
        ({"notebook": path, "points": [{"beta": 1}]}, 400, "beta"),
        ({"notebook": "/etc/score.ipynb", "points": [{}]}, 403, "absolute"),
    ]
    for body, status, named in cases:
        got, error = await api("POST", "batches", body)
        assert got == status and named in error["message"], (body, error)
    status, error = await api("GET", "batches/nope")
    assert status == 404 and error["error"] == "BatchNotFoundError"
    _, page = await api("GET", "batches")
    assert page["total"] == 0


async def test_list_filters_by_notebook_and_names_each_notebook_by_its_path(api, notebook, jp_root_dir, tmp_path):
    first, second = notebook(SCORE, name="a/first.ipynb"), notebook(SCORE, name="second.ipynb")
    outside = tmp_path / "outside.ipynb"
    nbformat.write(build_notebook(SCORE), outside)
    # Recorded through the store without executing them: listing needs records, not kernels.
    recorded = [batch_store.create_batch(BatchSpec(notebook=str(path), points=[{}]), parallel=1).id
                for path in (jp_root_dir / first, jp_root_dir / second, jp_root_dir / first, outside)]
    run_service.queue_run(RunSpec(notebook=str(jp_root_dir / first)), batch_id=recorded[2])

    status, page = await api("GET", "batches", notebook=first)
    assert status == 200 and page["total"] == 2
    assert [b["id"] for b in page["batches"]] == [recorded[2], recorded[0]]  # newest first
    assert {b["path"] for b in page["batches"]} == {"a/first.ipynb"}
    assert page["batches"][0]["counts"] == {"queued": 1} and page["batches"][1]["counts"] == {}

    _, page = await api("GET", "batches", limit=2, offset=1)
    assert page["total"] == 4 and [b["id"] for b in page["batches"]] == [recorded[2], recorded[1]]
    _, every = await api("GET", "batches")
    assert {b["id"]: b["path"] for b in every["batches"]} == {
        recorded[0]: "a/first.ipynb", recorded[1]: "second.ipynb", recorded[2]: "a/first.ipynb", recorded[3]: None}

    status, one = await api("GET", f"batches/{recorded[2]}")
    assert status == 200 and one["path"] == "a/first.ipynb" and one["counts"] == {"queued": 1}
    _, none = await api("GET", "batches", notebook="deleted.ipynb")  # need not exist
    assert none["total"] == 0 and none["batches"] == []
    status, error = await api("GET", "batches", notebook="../outside.ipynb")
    assert status == 403 and error["field"] == "notebook"
