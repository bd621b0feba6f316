"""The change feed only asks its sources when the store moved (or at the rare safety check)."""

from __future__ import annotations

import asyncio

from jupyter_mlops.server.feed import ChangeFeed, Event


class Counting:
    def __init__(self) -> None:
        self.calls = 0

    def changes(self) -> list[Event]:
        self.calls += 1
        return [Event("run", str(self.calls))]


async def test_quiet_store_costs_no_queries_and_changes_reach_every_subscriber():
    signature = [1]
    source = Counting()
    feed = ChangeFeed([source], interval=0.01, full_check_every=3600, signature=lambda: tuple(signature))
    first, second = await feed.subscribe(), await feed.subscribe()
    assert source.calls == 1 and first.empty()  # the baseline look is not news

    await asyncio.sleep(0.1)
    assert source.calls == 1  # nothing was written: no query

    signature[0] = 2
    assert await asyncio.wait_for(first.get(), 5) == Event("run", "2")
    assert await asyncio.wait_for(second.get(), 5) == Event("run", "2")

    await feed.stop()
    assert first.get_nowait() is None and second.get_nowait() is None


async def test_a_change_the_signature_missed_is_found_by_the_safety_check():
    source = Counting()
    feed = ChangeFeed([source], interval=0.01, full_check_every=0.05, signature=lambda: (1,))
    queue = await feed.subscribe()
    assert await asyncio.wait_for(queue.get(), 5) == Event("run", "2")
    await feed.stop()


async def test_a_failing_source_does_not_silence_the_others():
    class Broken:
        def changes(self) -> list[Event]:
            raise RuntimeError("store unreadable")

    signature = [1]
    source = Counting()
    feed = ChangeFeed([Broken(), source], interval=0.01, full_check_every=3600, signature=lambda: tuple(signature))
    queue = await feed.subscribe()
    signature[0] = 2
    assert await asyncio.wait_for(queue.get(), 5) == Event("run", "2")
    await feed.stop()
