"""The loop with an injected clock and real worker processes: firing, every policy, notifications."""

from __future__ import annotations

from datetime import timedelta

import pytest

from jupyter_mlops.run.model import RunStatus
from jupyter_mlops.schedule import fires
from jupyter_mlops.schedule.loop import SchedulerLoop
from jupyter_mlops.service import schedules as service
from jupyter_mlops.service.runs import get_run

from ..waiting import wait_finished, wait_for
from .conftest import schedule_runs


def quiet_loop(clock, **options):
    """A loop whose heartbeat and lease do not get in the way of a clock moved by minutes."""
    return SchedulerLoop(clock=clock, heartbeat=600, lease_ttl=3600, **options)


def add(notebook, **fields):
    return service.add_schedule({"notebook": str(notebook), "cron": "* * * * *", **fields})


def states(schedule_id):
    return [(fire.state, fire.attempt) for fire in reversed(fires.history(schedule_id))]


def test_fires_at_its_time_in_a_worker_and_sleeps_until_the_next(sleeper, clock):
    schedule = add(sleeper, parameters={"seconds": 0.2})
    loop = quiet_loop(clock)
    clock.current = schedule.next_fire_at.replace(microsecond=0) - timedelta(seconds=5)
    assert loop.tick() == pytest.approx(5, abs=0.01)  # nothing due: sleeps exactly until the fire
    assert schedule_runs(schedule.id) == []
    clock.advance(5)
    loop.tick()
    [run] = schedule_runs(schedule.id)
    assert run.trigger == "schedule" and run.parameters == {"seconds": 0.2}
    assert wait_finished(run.id).status == RunStatus.succeeded
    assert loop.tick() == pytest.approx(60, abs=0.01)
    assert states(schedule.id) == [("done", 0)]
    assert service.get_schedule(schedule.id).last_run_status == RunStatus.succeeded


@pytest.mark.parametrize("overlap", ["skip", "queue", "allow"])
def test_overlap_policies(sleeper, clock, overlap):
    schedule = add(sleeper, parameters={"seconds": 4.0}, overlap=overlap)
    loop = quiet_loop(clock)
    clock.current = schedule.next_fire_at
    loop.tick()
    [first] = schedule_runs(schedule.id)
    clock.advance(60)
    loop.tick()  # the second fire comes while the first run still runs
    assert get_run(first.id).status in (RunStatus.queued, RunStatus.running)
    if overlap == "skip":
        assert states(schedule.id) == [("started", 0), ("skipped", 0)]
    elif overlap == "queue":
        assert states(schedule.id) == [("started", 0), ("waiting", 0)]
    else:
        assert states(schedule.id) == [("started", 0), ("started", 0)]
    wait_finished(first.id)
    loop.tick()  # a queued fire starts once the run before it ended
    runs = schedule_runs(schedule.id)
    assert len(runs) == (1 if overlap == "skip" else 2)
    for run in runs:
        assert wait_finished(run.id).status == RunStatus.succeeded
    if overlap == "allow":
        assert runs[1].created_at < wait_finished(runs[0].id).ended_at  # they did overlap
    if overlap == "queue":
        assert runs[1].created_at > runs[0].ended_at


def test_global_limit_of_concurrent_runs(sleeper, clock):
    one = add(sleeper, name="one", parameters={"seconds": 2.0})
    two = add(sleeper, name="two", parameters={"seconds": 0.0})
    loop = quiet_loop(clock, max_concurrent_runs=1)
    clock.current = max(one.next_fire_at, two.next_fire_at)
    loop.tick()
    started = schedule_runs(one.id) + schedule_runs(two.id)
    assert len(started) == 1 and fires.active_count() == 1
    wait_finished(started[0].id)
    loop.tick()  # the finished run frees the slot
    both = schedule_runs(one.id) + schedule_runs(two.id)
    assert len(both) == 2
    assert all(wait_finished(run.id).status == RunStatus.succeeded for run in both)


def test_retries_with_backoff_then_a_failure_notification(sleeper, clock, webhook):
    schedule = add(sleeper, parameters={"fail": True}, retries=2, retry_backoff=10,
                   notify={"webhook": webhook.url})
    loop = quiet_loop(clock)
    clock.current = schedule.next_fire_at
    for attempt, backoff in ((0, 10), (1, 20)):
        loop.tick()
        assert wait_finished(schedule_runs(schedule.id)[-1].id).status == RunStatus.failed
        clock.advance(1)
        assert loop.tick() == pytest.approx(backoff, abs=0.01)  # sleeps until the retry is due
        assert states(schedule.id)[-1] == ("waiting", attempt + 1)
        assert webhook.received == []  # not before the last attempt
        clock.advance(backoff)
    loop.tick()
    runs = schedule_runs(schedule.id)
    assert len(runs) == 3
    wait_finished(runs[-1].id)
    loop.tick()
    assert states(schedule.id) == [("done", 0), ("done", 1), ("done", 2)]
    [message] = wait_for(lambda: webhook.received, 10, "the webhook")
    assert message["event"] == "run_failed" and message["status"] == "failed"
    assert message["schedule"] == {"id": schedule.id, "name": schedule.name}
    assert message["run"]["id"] == runs[-1].id and "asked to fail" in message["error"]


def test_run_timeout_and_a_notify_command(sleeper, clock, tmp_path):
    out = tmp_path / "notified.json"
    schedule = add(sleeper, parameters={"seconds": 60.0}, timeout=2,
                   notify={"command": f"cat > {out}; echo $MLOPS_STATUS >> {out}.status"})
    loop = quiet_loop(clock)
    clock.current = schedule.next_fire_at
    loop.tick()
    [run] = schedule_runs(schedule.id)
    assert wait_finished(run.id, timeout=60).status == RunStatus.timed_out
    loop.tick()
    wait_for(lambda: out.with_suffix(".json.status").exists(), 10, "the notify command")
    assert out.with_suffix(".json.status").read_text().strip() == "timed_out"
    assert '"run_failed"' in out.read_text()


def test_success_is_notified_only_on_request(sleeper, clock, webhook):
    quiet = add(sleeper, name="quiet", notify={"webhook": webhook.url})
    loud = add(sleeper, name="loud", notify={"webhook": webhook.url, "on_success": True})
    loop = quiet_loop(clock)
    clock.current = max(quiet.next_fire_at, loud.next_fire_at)
    loop.tick()
    for run in schedule_runs(quiet.id) + schedule_runs(loud.id):
        wait_finished(run.id)
    loop.tick()
    [message] = wait_for(lambda: webhook.received, 10, "the webhook")
    assert message["event"] == "run_succeeded" and message["schedule"]["name"] == "loud"


def test_missed_fires_run_once_after_downtime(sleeper, clock):
    schedule = add(sleeper)
    loop = quiet_loop(clock)
    clock.current = schedule.next_fire_at
    clock.advance(5 * 60 + 45)  # no scheduler for six fires
    loop.tick()
    [run] = schedule_runs(schedule.id)
    [fire] = fires.history(schedule.id)
    assert fire.detail == "runs once for 6 missed fire(s) (catch_up: once)"
    assert service.get_schedule(schedule.id).next_fire_at == clock.current.replace(second=0, microsecond=0) + \
        timedelta(minutes=1)
    wait_finished(run.id)
    loop.tick()


def test_paused_schedules_do_not_fire_and_resume_from_now(sleeper, clock):
    schedule = add(sleeper)
    service.pause_schedule(schedule.id)
    loop = quiet_loop(clock)
    clock.current = schedule.next_fire_at
    loop.tick()
    assert schedule_runs(schedule.id) == [] and service.get_schedule(schedule.id).next_fire_at is None
    assert service.resume_schedule(schedule.id).next_fire_at is not None


def test_pausing_drops_queued_fires(sleeper, clock):
    schedule = add(sleeper, parameters={"seconds": 3.0}, overlap="queue")
    loop = quiet_loop(clock)
    clock.current = schedule.next_fire_at
    loop.tick()
    clock.advance(60)
    loop.tick()
    assert states(schedule.id) == [("started", 0), ("waiting", 0)]
    service.pause_schedule(schedule.id)
    wait_finished(schedule_runs(schedule.id)[0].id)
    loop.tick()
    assert states(schedule.id) == [("done", 0), ("skipped", 0)]
    assert fires.history(schedule.id)[0].detail == "schedule paused"
    assert len(schedule_runs(schedule.id)) == 1


def test_a_notebook_that_no_longer_validates_fails_to_start_and_notifies(sleeper, clock, webhook):
    # Following the file: a pinned schedule runs its version whatever became of the file.
    schedule = add(sleeper, notify={"webhook": webhook.url}, follow_file=True)
    sleeper.unlink()
    loop = quiet_loop(clock)
    clock.current = schedule.next_fire_at
    loop.tick()
    assert states(schedule.id) == [("failed_to_start", 0)]
    [message] = wait_for(lambda: webhook.received, 10, "the webhook")
    assert message["status"] == "failed_to_start" and "notebook not found" in message["error"]


def test_run_now_is_followed_by_the_active_scheduler(sleeper, clock):
    schedule = add(sleeper, keep_runs=1)
    first = service.run_schedule_now(schedule.name)
    assert first.trigger == "manual" and first.schedule_id == schedule.id
    wait_finished(first.id)
    second = service.run_schedule_now(schedule.id)
    wait_finished(second.id)
    quiet_loop(clock).tick()  # follows both; retention keeps the last one
    assert [run.id for run in schedule_runs(schedule.id)] == [second.id]
    assert states(schedule.id) == [("done", 0), ("done", 0)]


class SchedulerDied(Exception):
    """Stands for the scheduler process dying at one precise point."""


def test_a_run_recorded_by_a_scheduler_that_died_before_launching_it_is_cancelled(sleeper, clock, monkeypatch):
    schedule = add(sleeper, parameters={"seconds": 0.2})
    dead = SchedulerLoop(clock=clock, heartbeat=1, lease_ttl=10)
    clock.current = schedule.next_fire_at
    real_transition = fires.transition

    def dies_before_linking_the_run(holder, now, fire_id, old, new, **options):
        if new == fires.STARTED:
            raise SchedulerDied
        return real_transition(holder, now, fire_id, old, new, **options)

    monkeypatch.setattr(fires, "transition", dies_before_linking_the_run)
    with pytest.raises(SchedulerDied):
        dead.tick()
    monkeypatch.setattr(fires, "transition", real_transition)
    [orphan] = schedule_runs(schedule.id)
    assert orphan.status == RunStatus.queued

    clock.advance(30)  # the dead scheduler's lease runs out: another takes over
    SchedulerLoop(clock=clock, heartbeat=1, lease_ttl=10).tick()
    orphan = get_run(orphan.id)
    assert orphan.status == RunStatus.cancelled
    assert orphan.error == "not started: the previous scheduler stopped while starting it"
    [restarted] = [run for run in schedule_runs(schedule.id) if run.id != orphan.id]
    assert wait_finished(restarted.id).status == RunStatus.succeeded
