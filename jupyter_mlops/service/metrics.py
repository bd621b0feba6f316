"""Metric history: every metric a schedule's (or a notebook's) runs recorded, over time, oldest first,
with each run's status and the schedule's alert thresholds, for `runs metrics`, the API, the panel's
schedule view and the widgets."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from ..errors import MetricsError
from ..notify.model import number
from ..run.model import RunStatus
from ..schedule import store as schedule_store
from ..store import runs as run_store

#: The newest runs a history covers.
HISTORY_LIMIT = 1000


class MetricPoint(BaseModel):
    run_id: str
    at: datetime = Field(description="When the run started (queued, if it never started)")
    status: RunStatus
    metrics: dict[str, Any] = Field(description="What the run recorded (only the asked-for metric with `metric`)")


class Threshold(BaseModel):
    metric: str
    op: str = Field(description="<, <=, >, >=, ==, != or 'changes by'")
    value: float


class MetricHistory(BaseModel):
    schedule_id: str | None = None
    notebook: str | None = None
    metrics: list[str] = Field(description="Every metric name a run recorded, in first-seen order")
    numeric: list[str] = Field(description="The metrics that were numbers in every run that recorded them "
                                           "(the ones a chart can draw)")
    points: list[MetricPoint] = Field(description="Finished runs, oldest first")
    thresholds: list[Threshold] = Field(default_factory=list, description="The schedule's alerts")


def metric_history(*, schedule: str | None = None, notebook: str | None = None, metric: str | None = None,
                   limit: int = HISTORY_LIMIT) -> MetricHistory:
    """One schedule's (by id or name) or one notebook's finished runs and what they recorded."""
    if (schedule is None) == (notebook is None):
        raise MetricsError("metric history: give a schedule or a notebook (one of them)")
    thresholds: list[Threshold] = []
    if schedule is not None:
        found = schedule_store.get(schedule)
        runs, _ = run_store.list_runs(schedule_id=found.id, limit=limit)
        if found.notify:
            thresholds = [Threshold(metric=a.metric, op=a.op, value=a.value) for a in found.notify.parsed_alerts()]
        schedule_id, notebook_path = found.id, None
    else:
        notebook_path = str(Path(notebook).resolve())
        runs, _ = run_store.list_runs(notebook=notebook_path, limit=limit)
        schedule_id = None
    points = []
    for run in reversed(runs):  # oldest first
        if not run.status.finished:
            continue
        values = run.metrics if metric is None else {k: v for k, v in run.metrics.items() if k == metric}
        points.append(MetricPoint(run_id=run.id, at=run.started_at or run.created_at, status=run.status,
                                  metrics=values))
    names = list(dict.fromkeys(name for point in points for name in point.metrics))
    numeric = [name for name in names
               if all(number(p.metrics[name]) is not None for p in points if name in p.metrics)]
    if metric is not None:
        thresholds = [t for t in thresholds if t.metric == metric]
    return MetricHistory(schedule_id=schedule_id, notebook=notebook_path, metrics=names, numeric=numeric,
                         points=points, thresholds=thresholds)
