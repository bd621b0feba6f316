"""`GET events`: a server-sent-events stream of run, batch and schedule changes.

Protocol: the stream first sends `ready` once the server knows the current state; a client
that (re)loads its lists after `ready` misses nothing. Then, as they happen:
- `run`: a run record, as `GET runs/{id}` returns it (new, or changed: status, steps…);
- `batch`: a batch record, as `GET batches/{id}` returns it (new, or changed: status, run
  counts by status, ended_at, error);
- `schedule`: a schedule record; `schedule-removed`: `{"id": ...}`.
Comment lines keep idle connections open through proxies.
"""

from __future__ import annotations

import asyncio

from tornado.iostream import StreamClosedError

from ..base import MLOpsHandler, protected
from ..feed import ChangeFeed, Event


class EventsHandler(MLOpsHandler):
    _queue: asyncio.Queue[Event | None] | None = None

    @property
    def feed(self) -> ChangeFeed:
        return self.settings["mlops_feed"]

    @protected
    async def get(self) -> None:
        self.set_header("Content-Type", "text/event-stream")
        self.set_header("Cache-Control", "no-cache")
        self.set_header("X-Accel-Buffering", "no")  # nginx would otherwise hold events back
        self._queue = await self.feed.subscribe()
        try:
            await self._send("retry: 2000\nevent: ready\ndata: {}\n\n")
            while True:
                try:
                    event = await asyncio.wait_for(self._queue.get(), self.settings["mlops_keepalive"])
                except asyncio.TimeoutError:
                    await self._send(": keepalive\n\n")
                    continue
                if event is None:  # the client left or the server is stopping
                    break
                await self._send(f"event: {event.name}\ndata: {event.data}\n\n")
        except StreamClosedError:
            pass
        finally:
            self.feed.unsubscribe(self._queue)
        if not self._finished:
            self.finish()

    async def _send(self, text: str) -> None:
        self.write(text)
        await self.flush()

    def on_connection_close(self) -> None:
        if self._queue is not None:
            self._queue.put_nowait(None)
