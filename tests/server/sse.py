"""A minimal server-sent-events client over a raw loopback connection (tests read events as they come)."""

from __future__ import annotations

import asyncio
import json


# `http_server_client` is what makes pytest-jupyter's server listen on `jp_http_port`.
async def open_stream(port: int, base_url: str, token: str) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(f"GET {base_url}mlops/api/events HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
                 f"Authorization: token {token}\r\nAccept: text/event-stream\r\n\r\n".encode())
    await writer.drain()
    return reader, writer


async def next_event(reader: asyncio.StreamReader) -> tuple[str, dict]:
    """The next `event:`/`data:` pair (chunked transfer framing and comments are skipped)."""
    name = None
    while True:
        line = (await reader.readline()).decode().strip()
        if line.startswith("event: "):
            name = line[len("event: "):]
        elif line.startswith("data: ") and name:
            return name, json.loads(line[len("data: "):])
