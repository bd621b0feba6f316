"""The scheduler loop: sleeps until the next fire, fires, starts runs in workers, follows them.

Start and stop it from anywhere — the Jupyter server extension, the `jupyter-mlops
scheduler` daemon, a test:

    loop = SchedulerLoop(max_concurrent_runs=4).start()   # a daemon thread; returns at once
    ...
    loop.stop()   # on shutdown: releases the lease, so a standby scheduler takes over at once

Any number of loops may run against one store (two servers, a server and a daemon): only
the holder of the lease (`schedule.lease`) acts; the others stand by and take over once its
heartbeats stop for `lease_ttl` seconds. Each fire is claimed in one transaction with the
lease check and a unique (schedule, fire time) record, so no fire ever runs twice.

The loop sleeps on an Event until the earliest of: the next fire time, the next retry, the
next heartbeat. Schedule changes made in this process wake it at once (`wake_local_loops`,
called by the service layer), a worker exiting wakes it at once, and changes made by other
processes are seen at the next heartbeat (`heartbeat` seconds, 2 by default).

Runs execute in worker processes of their own sessions (`service.runs.launch_worker`), so
a crashing notebook never takes the loop down, and killing the loop leaves them running:
the next active loop re-attaches to them, or records them `lost` if their worker is gone.
"""

from __future__ import annotations

import logging
import os
import secrets
import socket
import subprocess
import threading
import weakref
from collections.abc import Callable
from datetime import datetime, timezone

from ..errors import LeaseLostError, MLOpsError, RunNotFoundError, ScheduleNotFoundError
from ..notify import events as tell
from ..run.model import Run, RunStatus
from ..service.runs import launch_worker, queue_run
from ..store import runs as run_store
from . import fires, lease, store
from .fires import Fire, NewFire
from .model import Schedule
from .policies import plan_fires
from .reconcile import mark_lost, worker_alive
from .retention import apply_retention

log = logging.getLogger("jupyter_mlops.scheduler")

Clock = Callable[[], datetime]
RETRIED = (RunStatus.failed, RunStatus.timed_out, RunStatus.lost)

_local_loops: weakref.WeakSet[SchedulerLoop] = weakref.WeakSet()


def wake_local_loops() -> None:
    """Schedules changed in this process: every loop here re-plans now."""
    for loop in list(_local_loops):
        loop.wake()


def _utc_now() -> datetime:
    return datetime.now(timezone.utc)


class SchedulerLoop:
    def __init__(self, *, max_concurrent_runs: int | None = None, heartbeat: float = 2.0, lease_ttl: float = 10.0,
                 clock: Clock = _utc_now) -> None:
        if max_concurrent_runs is not None and max_concurrent_runs < 1:
            raise ValueError("max_concurrent_runs must be at least 1")
        if heartbeat >= lease_ttl:
            raise ValueError("the heartbeat must be shorter than the lease, or the lease lapses between beats")
        self.max_concurrent_runs = max_concurrent_runs
        self.heartbeat = heartbeat
        self.lease_ttl = lease_ttl
        self.clock = clock
        self.holder = f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}"
        self.is_active = False
        self._next_heartbeat = 0.0
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._told_slow: set[str] = set()
        _local_loops.add(self)

    # -- life cycle --------------------------------------------------------------------------

    def start(self) -> SchedulerLoop:
        self._thread = threading.Thread(target=self._run, name="jupyter-mlops-scheduler", daemon=True)
        self._thread.start()
        return self

    def stop(self, timeout: float = 10.0) -> None:
        self._stopping.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
        if self.is_active:
            lease.release(self.holder)
            self.is_active = False

    def wake(self) -> None:
        self._wake.set()

    def _run(self) -> None:
        log.info("scheduler %s started", self.holder)
        while not self._stopping.is_set():
            self._wake.clear()  # before the tick: a change during the tick makes the wait return at once
            try:
                delay = self.tick()
            except Exception:  # a bug or a broken store must not end scheduling for good
                log.exception("scheduler tick failed; retrying after the heartbeat")
                delay = self.heartbeat
            self._wake.wait(delay)

    # -- one pass ----------------------------------------------------------------------------

    def tick(self) -> float:
        """Do what is due now; returns the seconds to sleep. Tests call this with an injected clock."""
        now = self.clock().timestamp()
        if now >= self._next_heartbeat:
            was_active = self.is_active
            self.is_active = lease.acquire(self.holder, now, self.lease_ttl)
            self._next_heartbeat = now + self.heartbeat
            if self.is_active and not was_active:
                log.info("scheduler %s is the active scheduler", self.holder)
                self._take_over(now)
        if not self.is_active:
            return max(0.0, self._next_heartbeat - now)
        try:
            self._fire_due(now)
            self._follow_runs(now)
            self._start_waiting(now)
        except LeaseLostError as error:
            log.warning("%s; standing by", error)
            self.is_active = False
            return max(0.0, self._next_heartbeat - now)
        return self._sleep_for()

    def _sleep_for(self) -> float:
        now = self.clock().timestamp()
        earliest_fire = store.earliest_fire()
        if earliest_fire is not None and earliest_fire <= now:  # more was due than one pass fires
            return 0.0
        # Waiting fires already due are blocked by a run (overlap, concurrency limit): a
        # worker's exit wakes the loop for them, and the heartbeat covers other processes'.
        wake_at = [t for t in (self._next_heartbeat, earliest_fire, fires.earliest_waiting(after=now)) if t]
        return max(0.0, min(wake_at) - now)

    def _take_over(self, now: float) -> None:
        """A new active scheduler: fires another left half-started are started again, and a run
        such a fire had recorded but not launched is cancelled (the restarted fire makes its own)."""
        for fire in fires.in_state(fires.STARTING):
            if fire.run_id is None:
                fires.transition(self.holder, now, fire.id, fires.STARTING, fires.WAITING,
                                 detail="restarted: the previous scheduler stopped while starting it")
                for run_id in fires.unlinked_queued_runs(fire.schedule_id):
                    run_store.record_cancelled(run_id, "not started: the previous scheduler stopped while starting it",
                                               replacing={RunStatus.queued})

    # -- firing ------------------------------------------------------------------------------

    def _fire_due(self, now: float) -> None:
        for schedule_id, due, spec in store.due(now):
            records, following = plan_fires(spec, due, now)
            if fires.claim(self.holder, now, schedule_id, due, following, records):
                log.debug("schedule %s fired for %s", spec.name, [r.fire_time for r in records])

    def _start_waiting(self, now: float) -> None:
        waiting = [fire for fire in fires.in_state(fires.WAITING) if fire.not_before <= now]
        if not waiting:
            return
        active = fires.active_count()
        for fire in waiting:
            try:
                schedule = store.get(fire.schedule_id)
            except ScheduleNotFoundError:
                continue  # removed meanwhile; its fires go with it
            if schedule.paused:  # e.g. a retry recorded after the pause
                fires.transition(self.holder, now, fire.id, fires.WAITING, fires.SKIPPED, detail="schedule paused")
                continue
            running = fires.active_runs(schedule.id)
            if running and schedule.overlap != "allow":
                if schedule.overlap == "skip" and fire.attempt == 0:
                    fires.transition(self.holder, now, fire.id, fires.WAITING, fires.SKIPPED,
                                     detail=f"previous run {running[0]} still running (overlap: skip)")
                continue  # overlap: queue, and retries, wait for it to end
            if self.max_concurrent_runs is not None and active >= self.max_concurrent_runs:
                continue
            if fires.transition(self.holder, now, fire.id, fires.WAITING, fires.STARTING):
                active += 1
                self._start(fire, schedule, now)

    def _start(self, fire: Fire, schedule: Schedule, now: float) -> None:
        try:
            run = queue_run(schedule.run_spec(), schedule_id=schedule.id)
        except MLOpsError as error:  # e.g. the notebook changed and no longer takes the parameters
            fires.transition(self.holder, now, fire.id, fires.STARTING, fires.FAILED_TO_START, detail=str(error))
            log.warning("schedule %s could not start a run: %s", schedule.name, error)
            tell.failed_to_start(schedule, str(error))
            return
        try:
            fires.transition(self.holder, now, fire.id, fires.STARTING, fires.STARTED, run_id=run.id)
        except LeaseLostError:
            # Another scheduler took over while this one was starting the run: it starts the
            # fire again, so this run record must not stay queued forever.
            run_store.record_cancelled(run.id, "not started: the scheduler lost its lease while starting it",
                                       replacing={RunStatus.queued})
            raise
        process = launch_worker(run.id)
        threading.Thread(target=self._await_worker, args=(process,), daemon=True).start()
        log.info("schedule %s started run %s", schedule.name, run.id)

    def _await_worker(self, process: subprocess.Popen) -> None:
        process.wait()  # also reaps it
        self.wake()

    # -- following runs ----------------------------------------------------------------------

    def _follow_runs(self, now: float) -> None:
        for fire in fires.in_state(fires.STARTED):
            try:
                run = run_store.get_run(fire.run_id)
            except RunNotFoundError:
                fires.transition(self.holder, now, fire.id, fires.STARTED, fires.DONE, detail="run deleted")
                continue
            if not run.status.finished:
                if worker_alive(run.id):
                    self._tell_if_slow(fire, run, now)
                    continue  # still running, possibly started by a previous scheduler: re-attached
                run = mark_lost(run.id)
            self._finished(fire, run, now)

    def _tell_if_slow(self, fire: Fire, run: Run, now: float) -> None:
        """`slow` once per run: the record keeps the attempts (so another scheduler taking over does not
        send it again), and this loop remembers what it started sending meanwhile."""
        if run.id in self._told_slow:
            return
        try:
            schedule = store.get(fire.schedule_id)
        except ScheduleNotFoundError:
            return
        if tell.slow_due(run, schedule.notify, now):
            self._told_slow.add(run.id)
            tell.run_slow(run, schedule.notify, schedule=schedule)

    def _finished(self, fire: Fire, run: Run, now: float) -> None:
        try:
            schedule = store.get(fire.schedule_id)
        except ScheduleNotFoundError:
            return
        retry = None
        if run.status in RETRIED and fire.attempt < schedule.retries:
            delay = schedule.retry_backoff * 2 ** fire.attempt
            retry = NewFire(fire_time=fire.fire_time, attempt=fire.attempt + 1, state=fires.WAITING,
                            not_before=now + delay,
                            detail=f"retry {fire.attempt + 1} of {schedule.retries} after run {run.id} "
                                   f"{run.status.value}, {delay:g}s later")
        if not fires.transition(self.holder, now, fire.id, fires.STARTED, fires.DONE, follow_up=retry,
                                schedule_id=schedule.id, detail=f"run {run.status.value}"):
            return
        # Off this thread (rendering a report, SMTP and HTTP take their time): the loop never waits.
        tell.run_finished(run, schedule.notify, schedule=schedule, keep_html=schedule.report == "html",
                          final=retry is None)
        self._told_slow.discard(run.id)
        deleted = apply_retention(schedule.id, schedule.keep_runs, schedule.keep_days, self.clock())
        if deleted:
            log.info("schedule %s: retention deleted %d run(s)", schedule.name, len(deleted))
