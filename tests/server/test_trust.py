"""Secrets through the API (write-only), a run that leaks one every way masked in every reply and
event, kernels to choose, and pinned versions (drift, diff, pin)."""

from __future__ import annotations

import asyncio
import json
import stat

import nbformat

from jupyter_mlops.secrets import secrets_dir
from tests.conftest import build_notebook
from tests.server.sse import next_event, open_stream
from tests.trust.leaks import LEAKY_CELLS, files_holding, sha256


async def test_secrets_are_write_only_and_masked_in_replies_and_events(
        api, notebook, wait_for_run, mlops_home, jp_serverapp, http_server_client, jp_http_port, jp_base_url):
    value = "tok-api-5d1e0c9b7a"
    status, entry = await api("PUT", "secrets/DB_TOKEN", {"value": value})
    assert status == 200 and set(entry) == {"name", "set_at"}
    assert stat.S_IMODE((secrets_dir() / "DB_TOKEN").stat().st_mode) == 0o600
    status, error = await api("PUT", "secrets/bad..name!", {"value": value})
    assert status == 400 and value not in json.dumps(error)

    stream, writer = await open_stream(jp_http_port, jp_base_url, jp_serverapp.identity_provider.token)
    assert (await next_event(stream))[0] == "ready"
    path = notebook(LEAKY_CELLS, name="leaky.ipynb")
    status, run = await api("POST", "runs", {"path": path, "secrets": {"DB_TOKEN": "DB_TOKEN"}, "env": {"MODE": "api"}})
    assert status == 201, run
    run = await wait_for_run(run["id"])
    assert run["status"] == "failed" and run["metrics"]["token_sha256"] == sha256(value)
    events = []
    while not (events and events[-1][0] == "run" and events[-1][1]["status"] == "failed"):
        events.append(await asyncio.wait_for(next_event(stream), 60))
    writer.close()

    replies = [run, events, entry, (await api("GET", "secrets"))[1], (await api("GET", f"runs/{run['id']}"))[1],
               (await api("GET", f"runs/{run['id']}/log"))[1], (await api("GET", f"runs/{run['id']}/notebook"))[1],
               (await api("GET", "runs"))[1]]
    assert "***" in json.dumps(replies)
    assert value not in json.dumps(replies)
    assert files_holding(mlops_home, value) == []

    status, left = await api("DELETE", "secrets/DB_TOKEN")
    assert status == 200 and left == {"secrets": []}
    status, error = await api("POST", "runs", {"path": path, "secrets": {"DB_TOKEN": "DB_TOKEN"}})
    assert status == 400 and error["error"] == "SecretNotFoundError" and "'DB_TOKEN'" in error["message"]
    assert (await api("GET", "runs"))[1]["total"] == 1  # nothing recorded for the refused run


async def test_kernels_and_an_unknown_kernel_named(api, notebook):
    status, kernels = await api("GET", "kernels")
    assert status == 200 and "python3" in [k["name"] for k in kernels["kernels"]]
    status, error = await api("POST", "schedules", {"notebook": notebook(), "cron": "0 3 * * *",
                                                    "kernel_name": "cobol"})
    assert status == 400 and error["error"] == "UnknownKernelError"
    assert "'cobol'" in error["message"] and "python3" in error["message"]


async def test_drift_diff_and_pin(api, notebook, jp_root_dir):
    path = notebook()
    _, schedule = await api("POST", "schedules", {"notebook": path, "cron": "0 3 * * *"})
    assert schedule["version"]["sha256"] and schedule["drift"]["differs"] is False
    edited = nbformat.read(jp_root_dir / path, as_version=4)
    edited.cells.append(build_notebook(["print('more')"]).cells[0])
    nbformat.write(edited, jp_root_dir / path)
    _, listed = await api("GET", "schedules")
    assert listed["schedules"][0]["drift"]["cells_added"] == 1
    _, diff = await api("GET", f"schedules/{schedule['id']}/diff")
    assert "print('more')" in diff["diff"]
    status, pinned = await api("POST", f"schedules/{schedule['id']}/pin")
    assert status == 200 and pinned["changes"]["cells_added"] == 1
    assert pinned["schedule"]["drift"]["differs"] is False
    assert pinned["schedule"]["version"]["sha256"] != schedule["version"]["sha256"]
