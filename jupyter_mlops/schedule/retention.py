"""Keep a schedule's last N runs and/or its runs of the last N days; delete the rest with their folders.

A run is deleted when it is beyond either configured limit. Only finished runs count and
only finished runs are deleted: a running or queued run is never touched.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from ..store import runs as run_store


def apply_retention(schedule_id: str, keep_runs: int | None, keep_days: float | None, now: datetime) -> list[str]:
    """Delete what the limits do not keep; returns the deleted run ids."""
    if keep_runs is None and keep_days is None:
        return []
    runs, _ = run_store.list_runs(schedule_id=schedule_id, limit=-1)  # newest first; -1: no limit in SQLite
    finished = [run for run in runs if run.status.finished]
    doomed = finished[keep_runs:] if keep_runs is not None else []
    if keep_days is not None:
        cutoff = now - timedelta(days=keep_days)
        doomed += [run for run in finished if (run.ended_at or run.created_at) < cutoff and run not in doomed]
    for run in doomed:
        run_store.delete_run(run.id)
    return [run.id for run in doomed]
