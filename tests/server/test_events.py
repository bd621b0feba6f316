"""The event stream: `ready` first, then each change of a run as it happens, without polling."""

from __future__ import annotations

import asyncio

from tests.server.sse import next_event, open_stream


async def test_a_run_is_pushed_from_queued_to_succeeded(jp_serverapp, http_server_client, jp_http_port, jp_base_url,
                                                        api, notebook):
    stream, writer = await open_stream(jp_http_port, jp_base_url, jp_serverapp.identity_provider.token)
    assert await asyncio.wait_for(next_event(stream), 10) == ("ready", {})
    _, started = await api("POST", "runs", {"path": notebook()})

    seen = []
    while not seen or seen[-1] not in ("succeeded", "failed"):
        name, run = await asyncio.wait_for(next_event(stream), 60)
        assert name == "run" and run["id"] == started["id"]
        seen.append(run["status"])
    assert seen[-1] == "succeeded"
    assert "running" in seen  # per-step progress arrived while it ran
    assert run["path"] == "train.ipynb" and all(s["status"] == "succeeded" for s in run["steps"])
    writer.close()


async def test_streams_refuse_strangers(http_server_client, jp_http_port, jp_base_url):
    reader, writer = await open_stream(jp_http_port, jp_base_url, "wrong")
    status = (await asyncio.wait_for(reader.readline(), 10)).decode()
    writer.close()
    assert " 403 " in status
