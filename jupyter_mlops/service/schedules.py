"""User-facing actions on schedules: one function each, shared by the CLI, the REST API and the panel.

Every write wakes the scheduler loops of this process at once; loops in other processes
see it at their next heartbeat.
"""

from __future__ import annotations

import os
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from ..errors import ScheduleError, SchedulesFileError
from ..pipeline import parse_pipeline, read_notebook
from ..pipeline.parameters import validate_parameters
from ..run.backends import get_backend
from ..run.model import Run
from ..run.prepare import prepare_notebook
from ..schedule import cron, fires
from ..schedule import store as schedule_store
from ..schedule.loop import wake_local_loops
from ..schedule.model import ApplySummary, Schedule, ScheduleSpec
from .runs import start_run


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _parse(data: ScheduleSpec | dict[str, Any], where: str = "schedule") -> ScheduleSpec:
    """A spec from a dict (CLI, API, YAML), with pydantic's complaints as one ScheduleError."""
    if isinstance(data, ScheduleSpec):
        data = data.model_dump()
    try:
        return ScheduleSpec.model_validate(data)
    except ValidationError as error:
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc']) or 'value'}: {e['msg']}" for e in error.errors())
        raise ScheduleError(f"invalid {where}: {problems}") from None


def _validated(spec: ScheduleSpec) -> ScheduleSpec:
    """Refuse now what would make every fire fail: a missing notebook, unknown parameters or steps,
    values of the wrong type, an unknown backend or one that cannot take the runs (e.g. a Dask cluster
    that does not answer). Stores the notebook's absolute path."""
    path = Path(spec.notebook).resolve()
    source = read_notebook(path)
    pipeline = parse_pipeline(source, name=str(path))
    parameters = validate_parameters(pipeline, spec.parameters)
    prepare_notebook(source, pipeline, spec.steps)  # raises for an unknown step
    spec = spec.model_copy(update={"notebook": str(path), "parameters": parameters})
    get_backend(spec.backend).check(spec.run_spec())
    return spec


def _free_name(notebook: str) -> str:
    stem = Path(notebook).stem
    name, counter = stem, 1
    while schedule_store.name_taken(name):
        counter += 1
        name = f"{stem}-{counter}"
    return name


def add_schedule(spec: ScheduleSpec | dict[str, Any], *, source: str | None = None) -> Schedule:
    """Validate and store a schedule; it fires from its next cron time on."""
    spec = _validated(_parse(spec))
    if spec.name is None:
        spec = spec.model_copy(update={"name": _free_name(spec.notebook)})
    now = _now()
    schedule_id = schedule_store.insert(spec, next_fire=cron.next_fire(spec.cron, spec.timezone, now), now=now,
                                        source=source)
    wake_local_loops()
    return get_schedule(schedule_id)


def list_schedules() -> list[Schedule]:
    """Every schedule by name, with its next fire time, its cron in words and its last run's status."""
    return schedule_store.list_all()


def get_schedule(schedule_id: str) -> Schedule:
    """By id, or by name."""
    return schedule_store.get(schedule_id)


def update_schedule(schedule_id: str, changes: dict[str, Any], *, source: str | None = None) -> Schedule:
    """Change some fields of a schedule's spec; a new cron or timezone re-plans its next fire from now."""
    current = schedule_store.get(schedule_id)
    spec = _validated(_parse({**current.spec().model_dump(), **changes}, f"change to schedule {current.name!r}"))
    next_fire = current.next_fire_at
    if current.paused:
        next_fire = None
    elif (spec.cron, spec.timezone) != (current.cron, current.timezone):
        next_fire = cron.next_fire(spec.cron, spec.timezone, _now())
    schedule_store.update(current.id, now=_now(), spec=spec, next_fire=next_fire, source=source)
    wake_local_loops()
    return get_schedule(current.id)


def remove_schedule(schedule_id: str) -> Schedule:
    """Forget a schedule and its fire history; its runs stay in the store."""
    schedule = get_schedule(schedule_id)
    schedule_store.delete(schedule.id)
    wake_local_loops()
    return schedule


def pause_schedule(schedule_id: str) -> Schedule:
    """No fires until resumed; fires that fall while paused, or were queued, do not run later."""
    schedule = schedule_store.get(schedule_id)
    schedule_store.update(schedule.id, now=_now(), paused=True, next_fire=None)
    fires.drop_waiting(schedule.id, "schedule paused", _now().timestamp())
    wake_local_loops()
    return get_schedule(schedule.id)


def resume_schedule(schedule_id: str) -> Schedule:
    schedule = schedule_store.get(schedule_id)
    now = _now()
    next_fire = cron.next_fire(schedule.cron, schedule.timezone, now)
    schedule_store.update(schedule.id, now=now, paused=False, next_fire=next_fire)
    wake_local_loops()
    return get_schedule(schedule.id)


def run_schedule_now(schedule_id: str) -> Run:
    """Start one run of the schedule at once, outside its cron and its overlap and concurrency
    policies (a person asked for it); the active scheduler still follows it for retries,
    notifications and retention."""
    schedule = schedule_store.get(schedule_id)
    spec = schedule.run_spec().model_copy(update={"trigger": "manual"})
    run = start_run(spec, schedule_id=schedule.id)
    fires.record_started(schedule.id, _now().timestamp(), run.id, _now().timestamp())
    wake_local_loops()
    return run


def preview_cron(expression: str, timezone_name: str = "UTC", count: int = 3) -> tuple[str, list[datetime]]:
    """The cron in words and its next `count` fire times, in the given timezone."""
    expression = cron.check_cron(expression)
    tz = cron.zone(timezone_name)
    upcoming = cron.fires_between(expression, timezone_name, _now(), datetime.max.replace(tzinfo=timezone.utc),
                                  limit=count)
    return cron.describe(expression), [instant.astimezone(tz) for instant in upcoming]


def _read_entries(path: Path) -> list[dict[str, Any]]:
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as error:
        raise SchedulesFileError(f"cannot read schedules file {path}: {error}") from None
    entries = document.get("schedules") if isinstance(document, dict) else document
    if not isinstance(entries, list) or not all(isinstance(entry, dict) for entry in entries):
        raise SchedulesFileError(f"{path}: expected a list of schedules under 'schedules:'")
    names = [entry.get("name") for entry in entries]
    if None in names:
        raise SchedulesFileError(f"{path}: every schedule needs a name (it identifies the schedule on re-apply)")
    duplicates = sorted({name for name in names if names.count(name) > 1})
    if duplicates:
        raise SchedulesFileError(f"{path}: schedule names must be unique; repeated: {', '.join(duplicates)}")
    return entries


def apply_schedules_file(path: str | os.PathLike) -> ApplySummary:
    """Make the store match a schedules YAML file: create, update, or remove what it applied before.

    Notebook paths are relative to the file's folder. Every entry is validated before
    anything changes; applying the same file twice changes nothing.
    """
    path = Path(path).resolve()
    source = str(path)
    wanted = []
    for entry in _read_entries(path):
        notebook = path.parent / str(entry.get("notebook", ""))
        wanted.append(_validated(_parse({**entry, "notebook": str(notebook)}, f"schedule {entry['name']!r} in {path}")))
    existing = {schedule.name: schedule for schedule in schedule_store.list_all()}
    summary = ApplySummary()
    for spec in wanted:
        current = existing.get(spec.name)
        if current is None:
            add_schedule(spec, source=source)
            summary.created.append(spec.name)
        elif current.spec() != spec or current.source != source:
            update_schedule(current.id, spec.model_dump(), source=source)
            summary.updated.append(spec.name)
        else:
            summary.unchanged.append(spec.name)
    names = {spec.name for spec in wanted}
    for schedule in schedule_store.list_all(source=source):
        if schedule.name not in names:
            remove_schedule(schedule.id)
            summary.removed.append(schedule.name)
    return summary
