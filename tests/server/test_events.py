"""The event stream: `ready` first, then each change of a run as it happens, without polling."""

from __future__ import annotations

import asyncio
import json

from tests.server.sse import next_event, open_stream


async def test_a_run_is_pushed_from_queued_to_succeeded(jp_serverapp, http_server_client, jp_http_port, jp_base_url,
                                                        api, notebook):
    stream, writer = await open_stream(jp_http_port, jp_base_url, jp_serverapp.identity_provider.token)
    assert await asyncio.wait_for(next_event(stream), 10) == ("ready", {})
    # A step that lasts a second: its progress must show while it runs, however soon a warm run ends.
    path = notebook([("seconds = 1", ["parameters"]), "%%mlstep wait\nimport time\ntime.sleep(seconds)"],
                    name="train.ipynb")
    _, started = await api("POST", "runs", {"path": path})

    seen = []
    while not seen or seen[-1][0] not in ("succeeded", "failed"):
        name, run = await asyncio.wait_for(next_event(stream), 60)
        assert name == "run" and run["id"] == started["id"]
        seen.append((run["status"], [s["status"] for s in run["steps"]]))
    assert seen[-1][0] == "succeeded"
    assert ("running", ["running"]) in seen  # per-step progress arrived while it ran
    assert run["path"] == "train.ipynb" and all(s["status"] == "succeeded" for s in run["steps"])
    writer.close()


async def test_streams_refuse_strangers(http_server_client, jp_http_port, jp_base_url):
    reader, writer = await open_stream(jp_http_port, jp_base_url, "wrong")
    status = (await asyncio.wait_for(reader.readline(), 10)).decode()
    writer.close()
    assert " 403 " in status


async def test_a_batch_is_pushed_when_it_starts_and_when_it_ends(jp_serverapp, http_server_client, jp_http_port,
                                                                 jp_base_url, api, notebook):
    stream, writer = await open_stream(jp_http_port, jp_base_url, jp_serverapp.identity_provider.token)
    assert await asyncio.wait_for(next_event(stream), 10) == ("ready", {})
    _, started = await api("POST", "batches", {"notebook": notebook(name="grid/train.ipynb"),
                                               "points": [{"alpha": 1.0}, {"alpha": 2.0}], "parallel": 1})

    seen = []
    while not seen or seen[-1]["status"] in ("queued", "running"):
        name, record = await asyncio.wait_for(next_event(stream), 120)
        if name == "batch":
            assert record["id"] == started["id"] and record["path"] == "grid/train.ipynb"
            seen.append(record)
    writer.close()
    assert seen[0]["status"] in ("queued", "running") and seen[0]["ended_at"] is None
    assert seen[-1]["status"] == "succeeded" and seen[-1]["counts"] == {"succeeded": 2}
    assert seen[-1]["ended_at"] is not None and seen[-1]["run_ids"] == started["run_ids"]
    # Each run's progress moves the counts, and each change is sent once.
    assert len({json.dumps(record, sort_keys=True) for record in seen}) == len(seen)
