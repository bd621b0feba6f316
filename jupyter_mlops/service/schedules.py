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
from nbformat import NotebookNode
from pydantic import BaseModel, Field, ValidationError

from ..errors import MLOpsError, NotebookVersionNotFoundError, ScheduleError, SchedulesFileError
from ..notify import events as tell
from ..notify.channels import check_ready
from ..notify.model import Delivery
from ..pipeline import parse_pipeline, read_notebook
from ..pipeline.parameters import validate_parameters
from ..run.model import Run
from ..run.prepare import prepare_notebook
from ..schedule import cron, fires
from ..schedule import store as schedule_store
from ..schedule.drift import Drift, diff_text, file_drift
from ..schedule.loop import wake_local_loops
from ..schedule.model import ApplySummary, Schedule, ScheduleSpec
from ..store.versions import file_sha256, keep_version, read_version, version_path
from .runs import check_run_spec, start_run


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


def _validated(spec: ScheduleSpec, source: NotebookNode | None = None) -> ScheduleSpec:
    """Refuse now what would make every fire fail: a missing notebook, unknown parameters or steps,
    values of the wrong type, an unknown backend or kernel, one that cannot take the runs (e.g. a Dask
    cluster that does not answer), a secret not set, channels that cannot deliver. Checked against
    `source` (the pinned version), else the file. Stores the notebook's absolute path."""
    path = Path(spec.notebook).resolve()
    if source is None:
        source = read_notebook(path)
    pipeline = parse_pipeline(source, name=str(path))
    parameters = validate_parameters(pipeline, spec.parameters)
    prepare_notebook(source, pipeline, spec.steps)  # raises for an unknown step
    spec = spec.model_copy(update={"notebook": str(path), "parameters": parameters})
    check_run_spec(spec.run_spec())
    check_ready(spec.notify, f"schedule {spec.name or path.stem!r}")
    return spec


def _pinned(spec: ScheduleSpec) -> tuple[ScheduleSpec, str | None]:
    """The spec checked against the notebook's content now, and that content kept as the version
    its fires run (None when the schedule follows the file).

    The content is kept first and checked from the store, so what is checked is exactly what
    runs. A version refused here stays in the store unused: versions are kept by content, and
    nothing refers to it.
    """
    if spec.follow_file:
        return _validated(spec), None
    version = keep_version(spec.notebook)
    return _validated(spec, read_version(version.sha256)), version.sha256


def _with_drift(schedule: Schedule) -> Schedule:
    if schedule.follow_file or schedule.version is None:
        return schedule
    sha = schedule.version.sha256
    try:
        if not version_path(sha).is_file():  # a fire would stop, naming it: say so even if the file is unchanged
            read_version(sha)
        drift = file_drift(sha, lambda: read_version(sha), schedule.notebook)
    except NotebookVersionNotFoundError as error:
        drift = Drift(differs=True, error=str(error), summary=str(error))
    return schedule.model_copy(update={"drift": drift})


def _free_name(notebook: str) -> str:
    stem = Path(notebook).stem
    name, counter = stem, 1
    while schedule_store.name_taken(name):
        counter += 1
        name = f"{stem}-{counter}"
    return name


def add_schedule(spec: ScheduleSpec | dict[str, Any], *, source: str | None = None) -> Schedule:
    """Validate and store a schedule, pinning the notebook's current content (unless it follows
    the file); it fires from its next cron time on."""
    spec, version = _pinned(_parse(spec))
    if spec.name is None:
        spec = spec.model_copy(update={"name": _free_name(spec.notebook)})
    now = _now()
    schedule_id = schedule_store.insert(spec, next_fire=cron.next_fire(spec.cron, spec.timezone, now), now=now,
                                        source=source, version=version)
    wake_local_loops()
    return get_schedule(schedule_id)


def list_schedules() -> list[Schedule]:
    """Every schedule by name, with its next fire time, its cron in words, its last run's status
    and how its notebook file differs from the pinned version."""
    return [_with_drift(schedule) for schedule in schedule_store.list_all()]


def get_schedule(schedule_id: str) -> Schedule:
    """By id, or by name; with how its notebook file differs from the pinned version."""
    return _with_drift(schedule_store.get(schedule_id))


def update_schedule(schedule_id: str, changes: dict[str, Any], *, source: str | None = None,
                    pin: bool = False) -> Schedule:
    """Change some fields of a schedule's spec; a new cron or timezone re-plans its next fire from now.

    The pinned version stays, and the changes are checked against it, unless the notebook
    changes, following the file is turned off, or `pin` asks to pin the file's content too.
    """
    current = schedule_store.get(schedule_id)
    spec = _parse({**current.spec().model_dump(), **changes}, f"change to schedule {current.name!r}")
    moved = str(Path(spec.notebook).resolve()) != current.notebook
    if spec.follow_file:
        spec, version = _validated(spec), None
    elif pin or moved or current.version is None:
        spec, version = _pinned(spec)
    else:
        version = current.version.sha256
        spec = _validated(spec, read_version(version))
    next_fire = current.next_fire_at
    if current.paused:
        next_fire = None
    elif (spec.cron, spec.timezone) != (current.cron, current.timezone):
        next_fire = cron.next_fire(spec.cron, spec.timezone, _now())
    schedule_store.update(current.id, now=_now(), spec=spec, next_fire=next_fire, source=source, version=version)
    wake_local_loops()
    return get_schedule(current.id)


class PinResult(BaseModel):
    schedule: Schedule
    changes: Drift = Field(description="What changed from the version pinned before")


def pin_schedule(schedule_id: str) -> PinResult:
    """Pin the notebook's current content ("Update to the current notebook").

    A notebook that no longer parses, or whose parameters no longer take the schedule's
    values, is refused with the reason; the old version stays pinned.
    """
    current = get_schedule(schedule_id)
    if current.follow_file:
        raise ScheduleError(f"schedule {current.name!r} follows its notebook file (follow_file): there is no "
                            "version to pin; `schedule edit --no-follow-file` pins the current content")
    try:
        spec, version = _pinned(current.spec())
    except MLOpsError as error:
        kept = f"version {current.version.sha256[:12]} stays pinned" if current.version else "nothing pinned"
        raise ScheduleError(f"schedule {current.name!r}: the current notebook cannot be pinned ({kept}): "
                            f"{error}") from None
    changes = current.drift or Drift(differs=True, summary="pinned for the first time")
    schedule_store.update(current.id, now=_now(), next_fire=current.next_fire_at, version=version)
    wake_local_loops()
    return PinResult(schedule=get_schedule(current.id), changes=changes)


def schedule_diff(schedule_id: str) -> str:
    """nbdime's rendering of how the notebook file differs from the pinned version ('' when it does not)."""
    schedule = get_schedule(schedule_id)
    if schedule.follow_file or schedule.version is None:
        raise ScheduleError(f"schedule {schedule.name!r} follows its notebook file: it has no pinned version")
    if not schedule.drift or not schedule.drift.differs:
        return ""
    return diff_text(read_version(schedule.version.sha256), read_notebook(schedule.notebook))


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


def test_notify(schedule_id: str) -> list[Delivery]:
    """Send a test message through each of the schedule's channels now; the outcome of each."""
    return tell.test_channels(schedule_store.get(schedule_id))


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
            continue
        moved_on = not spec.follow_file and (
            current.version is None or file_sha256(spec.notebook) != current.version.sha256)
        if current.spec() != spec or current.source != source or moved_on:
            update_schedule(current.id, spec.model_dump(), source=source, pin=moved_on)
            summary.updated.append(spec.name)
            if moved_on:
                summary.notebook_changed.append(spec.name)
        else:
            summary.unchanged.append(spec.name)
    names = {spec.name for spec in wanted}
    for schedule in schedule_store.list_all(source=source):
        if schedule.name not in names:
            remove_schedule(schedule.id)
            summary.removed.append(schedule.name)
    return summary
