"""The worker process a run or batch record names: its identity, and whether it still runs.

A record keeps its worker's pid and that process's start time. A pid alone is not enough:
once the worker has exited, the system may give its pid to an unrelated process, which must
be neither taken for the worker nor sent its signals. The start time tells them apart. Where
there is no /proc (macOS), start times are unknown and a pid that exists counts as the worker.
Tables that name workers have the columns `worker_pid` and `worker_started`.
"""

from __future__ import annotations

import os
import signal
from pathlib import Path

from sqlalchemy import text

from . import db


def _stat(pid: int) -> tuple[str, int] | None:
    """The process's state letter and start time (clock ticks since boot); None when it is gone.

    Raises OSError other than FileNotFoundError where /proc cannot tell.
    """
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return None
    # The command name (field 2) is in parentheses and may hold spaces: fields are counted after it.
    fields = stat[stat.rindex(")") + 2:].split()
    return fields[0], int(fields[19])


def start_time(pid: int) -> int | None:
    """What `alive` compares later: the process's start time, None where it cannot be known."""
    try:
        found = _stat(pid)
    except OSError:
        return None
    return found[1] if found else None


def alive(pid: int | None, started: int | None) -> bool:
    """Whether the worker recorded as (`pid`, `started`) still runs: not exited (a zombie has), and
    not another process that was given the same pid since."""
    if pid is None:
        return False
    try:
        found = _stat(pid)
    except OSError:  # no /proc: fall back to "some process has this pid"
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        return True
    if found is None or found[0] in ("Z", "X"):
        return False
    return started is None or found[1] == started


def terminate(pid: int | None, started: int | None) -> bool:
    """SIGTERM the worker if it still runs; whether it was sent (False: the worker is gone)."""
    if not alive(pid, started):
        return False
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:  # it exited just now
        return False
    return True


def columns(pid: int | None) -> dict[str, int | None]:
    """The columns that record the process executing a row's run or batch (None: none now)."""
    return {"worker_pid": pid, "worker_started": start_time(pid) if pid is not None else None}


def record(table: str, record_id: str, pid: int | None) -> None:
    """Record the process executing a row's run or batch (None: none now), with its start time."""
    with db.transaction() as connection:
        connection.execute(text(f"UPDATE {table} SET worker_pid = :worker_pid, worker_started = :worker_started "
                                "WHERE id = :id"), {"id": record_id, **columns(pid)})


def recorded(table: str, record_id: str, missing: Exception) -> tuple[int | None, int | None]:
    """The pid and start time recorded by `record`, for `alive` and `terminate`."""
    with db.reading() as connection:
        row = connection.execute(text(f"SELECT worker_pid, worker_started FROM {table} WHERE id = :id"),
                                 {"id": record_id}).first()
    if row is None:
        raise missing
    return row[0], row[1]
