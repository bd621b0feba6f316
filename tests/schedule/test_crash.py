"""`kill -9` of the scheduler daemon during a run, then a restart: nothing lost, nothing run twice."""

from __future__ import annotations

import os
import signal
import time

from jupyter_mlops.run.model import RunStatus
from jupyter_mlops.schedule import fires, lease
from jupyter_mlops.service import schedules as service
from jupyter_mlops.store import runs as run_store

from ..waiting import wait_finished, wait_for
from .conftest import schedule_runs, start_daemon


def running_run(schedule_id: str):
    def find():
        runs = [run for run in schedule_runs(schedule_id) if run.status == RunStatus.running]
        return runs[0] if runs and run_store.worker_pid(runs[0].id) else None
    return wait_for(find, 90, "a scheduled run to be running")


def kill(process) -> None:
    process.send_signal(signal.SIGKILL)
    process.wait()


def end_workers(schedule_id: str) -> None:
    """Stop the catch-up runs the test no longer needs (no scheduler is left to follow them)."""
    for run in schedule_runs(schedule_id):
        pid = run_store.worker_pid(run.id)
        if pid is not None and not run.status.finished:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass


def stop(process) -> None:
    process.send_signal(signal.SIGTERM)
    process.wait(30)


def test_run_whose_worker_died_with_the_scheduler_is_lost_and_missed_fires_run_once(sleeper):
    schedule = service.add_schedule({"notebook": str(sleeper), "cron": "*/3 * * * * *",
                                     "parameters": {"seconds": 30.0}})
    first = start_daemon(heartbeat=0.5, lease_ttl=2)
    run = running_run(schedule.id)
    worker = run_store.worker_pid(run.id)
    kill(first)
    os.kill(worker, signal.SIGKILL)  # the machine went down with both
    down_at = time.time()
    time.sleep(8)  # fires fall due while no scheduler runs
    second = start_daemon(heartbeat=0.5, lease_ttl=2)
    try:
        lost = wait_finished(run.id, timeout=90)
        assert lost.status == RunStatus.lost
        assert f"worker process (pid {worker}) ended without recording a result" in lost.error
        # All fires, not the latest 20: on a slow machine the regular fires every 3 s push it out of those.
        catch_up = wait_for(lambda: [f for f in fires.history(schedule.id, limit=1000)
                                     if f.detail and "catch_up: once" in f.detail], 60, "the catch-up fire")
        assert len(catch_up) == 1 and catch_up[0].fire_time > down_at
        service.pause_schedule(schedule.id)
        assert service.get_schedule(schedule.id).name == schedule.name  # the schedule survived
    finally:
        stop(second)
    end_workers(schedule.id)
    fire_times = [f.fire_time for f in fires.history(schedule.id, limit=1000)]
    assert len(fire_times) == len(set(fire_times))


def test_run_whose_worker_survived_is_reattached_and_followed_to_its_end(sleeper, webhook):
    schedule = service.add_schedule({"notebook": str(sleeper), "cron": "*/2 * * * * *",
                                     "parameters": {"seconds": 8.0},
                                     "notify": {"webhook": webhook.url, "on_success": True}})
    first = start_daemon(heartbeat=0.5, lease_ttl=2)
    run = running_run(schedule.id)
    service.pause_schedule(schedule.id)
    kill(first)  # only the scheduler dies; the run's worker carries on in its own session
    second = start_daemon(heartbeat=0.5, lease_ttl=2)
    try:
        wait_for(lambda: f":{second.pid}:" in (lease.current_holder(time.time()) or ""), 60, "the restart")
        assert wait_finished(run.id, timeout=90).status == RunStatus.succeeded
        messages = wait_for(lambda: [m for m in webhook.received if m["run"]["id"] == run.id], 60,
                            "the success notification from the new scheduler")
        assert messages[0]["event"] == "run_succeeded"
        fire = next(f for f in fires.history(schedule.id) if f.run_id == run.id)
        assert fire.state == "done"
    finally:
        stop(second)
    for later in schedule_runs(schedule.id):
        wait_finished(later.id)
