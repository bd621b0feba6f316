"""What the change feed watches, through the service layer: runs (new, active, just finished)
and schedules."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime

from ..errors import RunNotFoundError
from ..run.model import Run, RunStatus
from ..schedule.model import Schedule
from ..service import runs as service
from ..service import schedules as schedules_service
from .feed import Event

_PAGE = 50
_ACTIVE_LIMIT = 10_000  # more queued runs than this at once is not a state the panel can show anyway


class RunChanges:
    """Emits `run` events with the record as the API returns it (`to_json`).

    Only runs that can still change are tracked: those created since the last look and those
    queued or running, so a look costs a few indexed queries however large the store.
    """

    def __init__(self, to_json: Callable[[Run], str]) -> None:
        self._to_json = to_json
        self._active: dict[str, str] = {}  # id → the JSON last sent
        self._newest: datetime | None = None
        self._newest_ids: set[str] = set()  # runs at exactly `_newest`, already seen

    def changes(self) -> list[Event]:
        fresh = self._created_since_last_look()
        active = [run for status in (RunStatus.queued, RunStatus.running)
                  for run in service.list_runs(status=status.value, limit=_ACTIVE_LIMIT)[0]]
        current = {run.id: run for run in fresh + active}
        for run_id in self._active.keys() - current.keys():  # finished (or gone) since the last look
            try:
                current[run_id] = service.get_run(run_id)
            except RunNotFoundError:
                continue
        events, sent = [], {}
        for run_id, run in current.items():
            sent[run_id] = self._to_json(run)
            if self._active.get(run_id) != sent[run_id]:
                events.append(Event("run", sent[run_id]))
        self._active = {run.id: sent[run.id] for run in active}
        return events

    def _created_since_last_look(self) -> list[Run]:
        fresh: list[Run] = []
        offset = 0
        while True:
            page, _ = service.list_runs(limit=_PAGE, offset=offset)
            newer = [run for run in page if self._newest is None or run.created_at > self._newest
                     or (run.created_at == self._newest and run.id not in self._newest_ids)]
            fresh.extend(newer)
            if self._newest is None or len(newer) < len(page) or len(page) < _PAGE:
                break
            offset += _PAGE
        if fresh:
            newest = max(run.created_at for run in fresh)
            at_newest = {run.id for run in fresh if run.created_at == newest}
            self._newest_ids = self._newest_ids | at_newest if newest == self._newest else at_newest
            self._newest = newest
        return fresh


class ScheduleChanges:
    """Emits `schedule` for a new or changed schedule (next fire, last run, pause…) and
    `schedule-removed` (`{"id": ...}`) for one that is gone."""

    def __init__(self, to_json: Callable[[Schedule], str]) -> None:
        self._to_json = to_json
        self._sent: dict[str, str] = {}

    def changes(self) -> list[Event]:
        current = {schedule.id: self._to_json(schedule) for schedule in schedules_service.list_schedules()}
        events = [Event("schedule", data) for schedule_id, data in current.items()
                  if self._sent.get(schedule_id) != data]
        events += [Event("schedule-removed", json.dumps({"id": schedule_id}))
                   for schedule_id in self._sent.keys() - current.keys()]
        self._sent = current
        return events
