"""Batches through the API: one run per parameter set, a results table, confined paths."""

from __future__ import annotations

import asyncio
import time

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
