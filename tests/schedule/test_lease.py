"""One active scheduler per store: the lease, fencing, and two real daemons firing each fire once."""

from __future__ import annotations

import signal
import time
from datetime import datetime, timezone

import pytest

from jupyter_mlops.errors import LeaseLostError
from jupyter_mlops.run.model import RunStatus
from jupyter_mlops.schedule import fires, lease
from jupyter_mlops.service import schedules as service

from ..waiting import wait_finished, wait_for
from .conftest import schedule_runs, start_daemon


def test_lease_renewal_expiry_takeover_and_release():
    assert lease.acquire("a", now=0, ttl=10)
    assert not lease.acquire("b", now=5, ttl=10)
    assert lease.acquire("a", now=8, ttl=10)  # a heartbeat pushes the expiry to 18
    assert not lease.acquire("b", now=15, ttl=10)
    assert lease.acquire("b", now=18.5, ttl=10)  # a missed its heartbeats: b takes over
    assert lease.current_holder(now=19) == "b"
    lease.release("a")  # releasing someone else's lease does nothing
    assert lease.current_holder(now=19) == "b"
    lease.release("b")
    assert lease.acquire("a", now=19, ttl=10)  # a clean stop hands over at once


def test_a_scheduler_that_lost_the_lease_cannot_claim_a_fire(sleeper):
    schedule = service.add_schedule({"notebook": str(sleeper), "cron": "* * * * *"})
    due = schedule.next_fire_at.timestamp()
    assert lease.acquire("old", now=due - 20, ttl=10)
    assert lease.acquire("new", now=due - 5, ttl=10)
    record = fires.NewFire(fire_time=due, state=fires.WAITING, not_before=due)
    with pytest.raises(LeaseLostError, match="held by new"):
        fires.claim("old", due, schedule.id, due, due + 60, [record])
    assert fires.claim("new", due, schedule.id, due, due + 60, [record])
    assert not fires.claim("new", due, schedule.id, due, due + 60, [record])  # already claimed
    assert len(fires.history(schedule.id)) == 1


def test_two_daemons_on_one_store_fire_each_time_exactly_once(sleeper):
    schedule = service.add_schedule({"notebook": str(sleeper), "cron": "*/2 * * * * *", "overlap": "allow"})
    daemons = [start_daemon(heartbeat=0.5, lease_ttl=2) for _ in range(2)]
    try:
        holder = wait_for(lambda: lease.current_holder(time.time()), 90, "an active scheduler")
        active = next(d for d in daemons if f":{d.pid}:" in holder)
        standby = next(d for d in daemons if d is not active)
        wait_for(lambda: len(fires.history(schedule.id)) >= 3, 60, "fires from the first scheduler")
        active.send_signal(signal.SIGKILL)  # the standby must take over, and fire nothing twice
        active.wait()
        killed_at = time.time()
        wait_for(lambda: f":{standby.pid}:" in (lease.current_holder(time.time()) or ""), 30, "the takeover")
        wait_for(lambda: sum(f.created_at > killed_at for f in fires.history(schedule.id)) >= 3, 60,
                 "fires from the second scheduler")
        service.pause_schedule(schedule.id)
    finally:
        for daemon in daemons:
            daemon.send_signal(signal.SIGTERM)
        for daemon in daemons:
            daemon.wait(30)
    history = fires.history(schedule.id, limit=1000)
    runs = schedule_runs(schedule.id)
    for run in runs:
        assert wait_finished(run.id).status in (RunStatus.succeeded, RunStatus.lost)
    started = [fire for fire in history if fire.run_id]
    fire_times = [fire.fire_time for fire in history]
    assert len(fire_times) == len(set(fire_times))  # each fire time decided once
    assert sorted(fire.run_id for fire in started) == sorted(run.id for run in runs)  # one run per fire
    assert len(runs) >= 5 and all(time_ % 2 == 0 for time_ in fire_times)
    print(f"{len(runs)} runs for {len(history)} fires between "
          f"{datetime.fromtimestamp(min(fire_times), timezone.utc):%H:%M:%S} and "
          f"{datetime.fromtimestamp(max(fire_times), timezone.utc):%H:%M:%S}")
