"""Batches through the API: one run per parameter set, a results table, confined paths, listing."""

from __future__ import annotations

import asyncio
import time

import nbformat
import psutil

from jupyter_mlops.batch import store as batch_store
from jupyter_mlops.batch.model import BatchSpec
from jupyter_mlops.run.model import RunSpec
from jupyter_mlops.service import runs as run_service
from tests.conftest import build_notebook

SCORE = [("alpha = 0.5", ["parameters"]),
         "%%mlstep score\nfrom jupyter_mlops.metrics import record\nrecord('score', alpha * 2)"]


async def test_batch_runs_every_point_and_tabulates(api, jp_fetch, notebook):
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

    # The same table as a CSV file, sorted the same way.
    csv = await jp_fetch("mlops", "api", "batches", batch["id"], "results.csv",
                         params={"sort": "score", "descending": "true"})
    assert csv.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert csv.headers["Content-Disposition"] == f'attachment; filename="batch-{batch["id"]}.csv"'
    lines = csv.body.decode().splitlines()
    assert lines[0] == "alpha,score,status,duration,run_id"
    assert [line.split(",")[:3] for line in lines[1:]] == [["3.0", "6.0", "succeeded"], ["1.0", "2.0", "succeeded"]]
    status, error = await api("GET", f"batches/{batch['id']}/results.csv", sort="nope")
    assert status == 400 and "cannot sort by 'nope'" in error["message"], error

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
    run_service.queue_batch_runs(RunSpec(notebook=str(jp_root_dir / first)), [{}], batch_id=recorded[2])

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


SLEEPER = [("seconds = 0.0", ["parameters"]), "import time\ntime.sleep(seconds)"]


def _alive(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


async def test_cancel_a_running_batch_keeps_finished_runs_and_leaves_no_kernel(api, notebook):
    status, batch = await api("POST", "batches", {"notebook": notebook(SLEEPER, name="sleep.ipynb"), "parallel": 2,
                                                  "points": [{"seconds": s} for s in (0.0, 60.0, 60.0, 60.0)]})
    assert status == 201
    worker, _ = batch_store.worker(batch["id"])
    descendants: set[int] = set()
    deadline = time.monotonic() + 120
    while batch["counts"] != {"succeeded": 1, "running": 2, "queued": 1}:
        assert time.monotonic() < deadline and batch["status"] in ("queued", "running"), batch
        descendants |= {p.pid for p in psutil.Process(worker).children(recursive=True)}
        await asyncio.sleep(0.2)
        _, batch = await api("GET", f"batches/{batch['id']}")
    # Look again now that two points run: a fast start can reach this state before the loop ever saw a kernel.
    descendants |= {p.pid for p in psutil.Process(worker).children(recursive=True)}
    assert len(descendants) >= 3  # the fork server and the two running kernels

    status, cancelled = await api("POST", f"batches/{batch['id']}/cancel")
    assert status == 202 and cancelled["id"] == batch["id"] and cancelled["path"] == "sleep.ipynb"
    deadline = time.monotonic() + 45
    while cancelled["status"] == "running" and time.monotonic() < deadline:
        await asyncio.sleep(0.2)
        _, cancelled = await api("GET", f"batches/{batch['id']}")
    assert cancelled["status"] == "cancelled" and cancelled["error"] == "cancelled by the user", cancelled
    assert cancelled["counts"] == {"succeeded": 1, "cancelled": 3}
    _, runs = await api("GET", "runs", batch_id=batch["id"])
    kept = [r for r in runs["runs"] if r["status"] == "succeeded"]
    assert [r["parameters"] for r in kept] == [{"seconds": 0.0}]
    notebook_status, _ = await api("GET", f"runs/{kept[0]['id']}/notebook")
    assert notebook_status == 200
    # The worker exits once it has recorded the batch: give a loaded machine time to get there.
    deadline = time.monotonic() + 30
    while [pid for pid in descendants | {worker} if _alive(pid)] and time.monotonic() < deadline:
        await asyncio.sleep(0.2)
    assert [pid for pid in descendants | {worker} if _alive(pid)] == []

    status, error = await api("POST", f"batches/{batch['id']}/cancel")
    assert status == 409 and error["error"] == "BatchStateError", error
    assert "has already finished (cancelled)" in error["message"], error
    status, error = await api("POST", "batches/nope/cancel")
    assert status == 404 and error["error"] == "BatchNotFoundError"
