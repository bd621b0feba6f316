"""One watcher of the store per server, fanning run, batch and schedule changes out to event streams.

Runs change in other processes (workers, the CLI, a scheduler), so the server learns of
changes by looking, not by being told. Looking is cheap: each tick compares the store
files' size and modification time, and only when they moved does it ask the service layer
for what is active or new and diff that against what it last saw. The panels then only
listen; none of them polls.
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from ..store import db

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Event:
    name: str  # the SSE event type, e.g. "run"
    data: str  # JSON


class Source(Protocol):
    """Something that can say what changed since it was last asked (called in a worker thread)."""

    def changes(self) -> list[Event]: ...


def store_signature() -> tuple:
    """Changes whenever any process commits to the store (WAL mode appends to `-wal`)."""
    signature = []
    for suffix in ("", "-wal"):
        try:
            stat = os.stat(f"{db.home() / 'mlops.db'}{suffix}")
            signature.append((stat.st_mtime_ns, stat.st_size))
        except OSError:  # not written yet (or unreadable): the periodic full look still runs
            signature.append(None)
    return tuple(signature)


class ChangeFeed:
    """Polls its sources while anyone listens; each subscriber gets a queue of events."""

    def __init__(self, sources: list[Source], *, interval: float, full_check_every: float,
                 signature: Callable[[], tuple] = store_signature) -> None:
        self._sources = sources
        self._interval = interval
        # A commit inside the file system's timestamp granularity that leaves the WAL's size
        # unchanged would not move the signature; an unconditional look now and then catches it.
        self._full_check_every = full_check_every
        self._signature = signature
        self._queues: set[asyncio.Queue[Event | None]] = set()
        self._task: asyncio.Task | None = None
        self._baseline = asyncio.Event()

    async def subscribe(self) -> asyncio.Queue[Event | None]:
        """A queue of every change from now on; returns once the feed knows the current state,
        so a client that fetches the lists after subscribing misses nothing."""
        queue: asyncio.Queue[Event | None] = asyncio.Queue()
        self._queues.add(queue)
        if self._task is None or self._task.done():
            self._baseline = asyncio.Event()
            self._task = asyncio.create_task(self._watch())
        await self._baseline.wait()
        return queue

    def unsubscribe(self, queue: asyncio.Queue[Event | None]) -> None:
        self._queues.discard(queue)

    async def stop(self) -> None:
        """Ends every stream (they receive None) and the watcher."""
        for queue in self._queues:
            queue.put_nowait(None)
        self._queues.clear()
        if self._task is not None:
            self._task.cancel()
            try:
                await self._task
            except asyncio.CancelledError:
                pass

    async def _watch(self) -> None:
        last_signature, last_full = None, 0.0
        while self._queues:
            signature = self._signature()  # read before looking: a commit during the look shows next tick
            if signature != last_signature or time.monotonic() - last_full >= self._full_check_every:
                events = await asyncio.to_thread(self._collect, first=not self._baseline.is_set())
                last_signature, last_full = signature, time.monotonic()
                for event in events:
                    for queue in self._queues:
                        queue.put_nowait(event)
                self._baseline.set()
            await asyncio.sleep(self._interval)

    def _collect(self, *, first: bool) -> list[Event]:
        events: list[Event] = []
        for source in self._sources:
            try:
                found = source.changes()
            except Exception:  # a broken source must not silence the others, nor end the stream
                log.exception("jupyter_mlops: change feed source %r failed", source)
                continue
            if not first:  # the first look only learns the current state
                events.extend(found)
        return events
