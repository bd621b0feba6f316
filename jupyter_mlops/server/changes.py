"""What the change feed watches, through the service layer: runs and batches (new, unfinished,
just finished) and schedules."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from typing import Generic, Protocol, TypeVar

from ..batch.model import Batch, BatchStatus
from ..errors import BatchNotFoundError, MLOpsError, RunNotFoundError
from ..run.model import Run, RunStatus
from ..schedule.model import Schedule
from ..service import batches as batches_service
from ..service import runs as service
from ..service import schedules as schedules_service
from .feed import Event

_PAGE = 50
_ACTIVE_LIMIT = 10_000  # more queued runs than this at once is not a state the panel can show anyway


class _Record(Protocol):
    id: str
    created_at: datetime


Record = TypeVar("Record", bound=_Record)


class RecordChanges(Generic[Record]):
    """Emits one event per new or changed record, with the record as the API returns it (`to_json`).

    Only records that can still change are tracked: those created since the last look and the
    unfinished ones, so a look costs a few indexed queries however large the store.
    `list_page(status, limit, offset)` pages through records newest first (all with status None).
    """

    def __init__(self, event: str, to_json: Callable[[Record], str],
                 list_page: Callable[[str | None, int, int], list[Record]], get: Callable[[str], Record],
                 unfinished: tuple[str, ...], not_found: type[MLOpsError]) -> None:
        self._event = event
        self._to_json = to_json
        self._list_page = list_page
        self._get = get
        self._unfinished = unfinished
        self._not_found = not_found
        self._active: dict[str, str] = {}  # id → the JSON last sent
        self._newest: datetime | None = None
        self._newest_ids: set[str] = set()  # records at exactly `_newest`, already seen

    def changes(self) -> list[Event]:
        fresh = self._created_since_last_look()
        active = [record for status in self._unfinished
                  for record in self._list_page(status, _ACTIVE_LIMIT, 0)]
        current = {record.id: record for record in fresh + active}
        for record_id in self._active.keys() - current.keys():  # finished (or gone) since the last look
            try:
                current[record_id] = self._get(record_id)
            except self._not_found:
                continue
        events, sent = [], {}
        for record_id, record in current.items():
            sent[record_id] = self._to_json(record)
            if self._active.get(record_id) != sent[record_id]:
                events.append(Event(self._event, sent[record_id]))
        self._active = {record.id: sent[record.id] for record in active}
        return events

    def _created_since_last_look(self) -> list[Record]:
        fresh: list[Record] = []
        offset = 0
        while True:
            page = self._list_page(None, _PAGE, offset)
            newer = [record for record in page if self._newest is None or record.created_at > self._newest
                     or (record.created_at == self._newest and record.id not in self._newest_ids)]
            fresh.extend(newer)
            if self._newest is None or len(newer) < len(page) or len(page) < _PAGE:
                break
            offset += _PAGE
        if fresh:
            newest = max(record.created_at for record in fresh)
            at_newest = {record.id for record in fresh if record.created_at == newest}
            self._newest_ids = self._newest_ids | at_newest if newest == self._newest else at_newest
            self._newest = newest
        return fresh


def run_changes(to_json: Callable[[Run], str]) -> RecordChanges[Run]:
    """`run` events: a run record, as `GET runs/{id}` returns it."""
    return RecordChanges(
        "run", to_json, lambda status, limit, offset: service.list_runs(status=status, limit=limit, offset=offset)[0],
        service.get_run, (RunStatus.queued.value, RunStatus.running.value), RunNotFoundError)


def batch_changes(to_json: Callable[[Batch], str]) -> RecordChanges[Batch]:
    """`batch` events: a batch record, as `GET batches/{id}` returns it. Its run counts are part of
    it, so each run of a batch that starts or ends sends the batch again."""
    return RecordChanges(
        "batch", to_json,
        lambda status, limit, offset: batches_service.list_batches(status=status, limit=limit, offset=offset)[0],
        batches_service.get_batch, (BatchStatus.queued.value, BatchStatus.running.value), BatchNotFoundError)


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
