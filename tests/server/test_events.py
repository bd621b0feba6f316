"""The event stream: `ready` first, then each change of a run as it happens, without polling."""

from __future__ import annotations

import asyncio
import json


# `http_server_client` is what makes pytest-jupyter's server listen on `jp_http_port`.
async def _open_stream(port: int, base_url: str, token: str) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(f"GET {base_url}mlops/api/events HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
                 f"Authorization: token {token}\r\nAccept: text/event-stream\r\n\r\n".encode())
    await writer.drain()
    return reader, writer


async def _next_event(reader: asyncio.StreamReader) -> tuple[str, dict]:
    """The next `event:`/`data:` pair (chunked transfer framing and comments are skipped)."""
    name = None
    while True:
        line = (await reader.readline()).decode().strip()
        if line.startswith("event: "):
            name = line[len("event: "):]
        elif line.startswith("data: ") and name:
            return name, json.loads(line[len("data: "):])


async def test_a_run_is_pushed_from_queued_to_succeeded(jp_serverapp, http_server_client, jp_http_port, jp_base_url,
                                                        api, notebook):
    stream, writer = await _open_stream(jp_http_port, jp_base_url, jp_serverapp.identity_provider.token)
    assert await asyncio.wait_for(_next_event(stream), 10) == ("ready", {})
    _, started = await api("POST", "runs", {"path": notebook()})

    seen = []
    while not seen or seen[-1] not in ("succeeded", "failed"):
        name, run = await asyncio.wait_for(_next_event(stream), 60)
        assert name == "run" and run["id"] == started["id"]
        seen.append(run["status"])
    assert seen[-1] == "succeeded"
    assert "running" in seen  # per-step progress arrived while it ran
    assert run["path"] == "train.ipynb" and all(s["status"] == "succeeded" for s in run["steps"])
    writer.close()


async def test_streams_refuse_strangers(http_server_client, jp_http_port, jp_base_url):
    reader, writer = await _open_stream(jp_http_port, jp_base_url, "wrong")
    status = (await asyncio.wait_for(reader.readline(), 10)).decode()
    writer.close()
    assert " 403 " in status
