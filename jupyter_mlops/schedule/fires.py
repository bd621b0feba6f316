"""Fire history: what the scheduler decided for each fire time, and the run it started.

A fire moves `waiting` → `starting` → `started` → `done`, or ends `skipped` (overlap),
`missed` (catch-up policy, grace window) or `failed_to_start` (the notebook no longer
validates). Every transition that acts is a compare-and-set inside a write transaction that
also checks the lease, so only the active scheduler acts, and only once.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, text

from ..store import db
from . import lease

WAITING, STARTING, STARTED, DONE = "waiting", "starting", "started", "done"
SKIPPED, MISSED, FAILED_TO_START = "skipped", "missed", "failed_to_start"


@dataclass
class Fire:
    id: int
    schedule_id: str
    fire_time: float
    attempt: int
    state: str
    not_before: float
    run_id: str | None
    detail: str | None
    created_at: float


@dataclass
class NewFire:
    fire_time: float
    state: str
    not_before: float
    attempt: int = 0
    detail: str | None = None
    run_id: str | None = None


_COLUMNS = "id, schedule_id, fire_time, attempt, state, not_before, run_id, detail, created_at"


def _insert(connection: Connection, schedule_id: str, fire: NewFire, now: float) -> None:
    connection.execute(text(
        "INSERT INTO schedule_fires (schedule_id, fire_time, attempt, state, not_before, run_id, detail, created_at,"
        " finished_at) VALUES (:schedule_id, :fire_time, :attempt, :state, :not_before, :run_id, :detail, :now,"
        " CASE WHEN :state IN ('skipped', 'missed', 'failed_to_start') THEN :now END)"),
        {"schedule_id": schedule_id, "fire_time": fire.fire_time, "attempt": fire.attempt, "state": fire.state,
         "not_before": fire.not_before, "run_id": fire.run_id, "detail": fire.detail, "now": now})


def claim(holder: str, now: float, schedule_id: str, due: float, following: float | None,
          records: list[NewFire]) -> bool:
    """Move the schedule's next fire from `due` to `following` and record what this fire does.

    One transaction: the lease check, the compare-and-set on `next_fire` and the unique
    (schedule, fire time) rows. False if an edit got there first; LeaseLostError if another
    scheduler took over.
    """
    with db.transaction() as connection:
        lease.check_held(connection, holder, now)
        moved = connection.execute(text(
            "UPDATE schedules SET next_fire = :following WHERE id = :id AND next_fire = :due"),
            {"following": following, "id": schedule_id, "due": due}).rowcount
        if not moved:
            return False
        for record in records:
            _insert(connection, schedule_id, record, now)
    return True


def record_started(schedule_id: str, fire_time: float, run_id: str, now: float) -> None:
    """A run started outside the loop (run-now): the active scheduler follows it like its own."""
    with db.transaction() as connection:
        _insert(connection, schedule_id, NewFire(fire_time=fire_time, state=STARTED, not_before=now,
                                                 run_id=run_id, detail="run now"), now)


def unlinked_queued_runs(schedule_id: str) -> list[str]:
    """The schedule's queued runs that no fire links to and no worker executes: what a scheduler
    that stopped between recording a run and linking it to its fire left behind.

    (A run-now links its run just after launching the worker, whose pid is recorded first, so
    it is never taken for one.)
    """
    with db.reading() as connection:
        rows = connection.execute(text(
            "SELECT id FROM runs WHERE schedule_id = :id AND status = 'queued' AND worker_pid IS NULL"
            " AND id NOT IN (SELECT run_id FROM schedule_fires WHERE schedule_id = :id AND run_id IS NOT NULL)"),
            {"id": schedule_id}).all()
    return [row[0] for row in rows]


def drop_waiting(schedule_id: str, reason: str, now: float) -> None:
    """Fires queued for a schedule that is being paused: they do not run on resume, long after."""
    with db.transaction() as connection:
        connection.execute(text(
            "UPDATE schedule_fires SET state = 'skipped', detail = :reason, finished_at = :now"
            " WHERE schedule_id = :id AND state = 'waiting'"), {"id": schedule_id, "reason": reason, "now": now})


def _select(where: str, values: dict, order: str = "not_before, id") -> list[Fire]:
    with db.reading() as connection:
        rows = connection.execute(text(f"SELECT {_COLUMNS} FROM schedule_fires WHERE {where} ORDER BY {order}"),
                                  values).all()
    return [Fire(*row) for row in rows]


def in_state(state: str) -> list[Fire]:
    return _select("state = :state", {"state": state})


def history(schedule_id: str, limit: int = 20) -> list[Fire]:
    """The schedule's latest fires, newest first."""
    return _select("schedule_id = :id", {"id": schedule_id, "limit": limit}, order="id DESC LIMIT :limit")


def active_count() -> int:
    with db.reading() as connection:
        return connection.execute(text(
            "SELECT count(*) FROM schedule_fires WHERE state IN ('starting', 'started')")).scalar_one()


def active_runs(schedule_id: str) -> list[str]:
    with db.reading() as connection:
        rows = connection.execute(text(
            "SELECT coalesce(run_id, '(starting)') FROM schedule_fires"
            " WHERE schedule_id = :id AND state IN ('starting', 'started')"), {"id": schedule_id}).all()
    return [row[0] for row in rows]


def earliest_waiting(after: float) -> float | None:
    """When the next waiting fire (a retry, a catch-up) becomes due, if later than `after`."""
    with db.reading() as connection:
        return connection.execute(text(
            "SELECT min(not_before) FROM schedule_fires WHERE state = 'waiting' AND not_before > :after"),
            {"after": after}).scalar()


def transition(holder: str, now: float, fire_id: int, old: str, new: str, *, detail: str | None = None,
               run_id: str | None = None, follow_up: NewFire | None = None, schedule_id: str | None = None) -> bool:
    """Compare-and-set a fire's state under the lease (LeaseLostError if lost); optionally record a
    follow-up (a retry) in the same transaction."""
    finished = new not in (WAITING, STARTING, STARTED)
    with db.transaction() as connection:
        lease.check_held(connection, holder, now)
        changed = connection.execute(text(
            "UPDATE schedule_fires SET state = :new, detail = coalesce(:detail, detail),"
            " run_id = coalesce(:run_id, run_id), finished_at = CASE WHEN :finished THEN :now END"
            " WHERE id = :id AND state = :old"),
            {"new": new, "old": old, "detail": detail, "run_id": run_id, "finished": finished, "now": now,
             "id": fire_id}).rowcount
        if changed and follow_up is not None:
            _insert(connection, schedule_id, follow_up, now)
    return bool(changed)
