"""The schedule service and CLI: bad input refused at add, edits, declarative apply, persistence."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from click.testing import CliRunner

from jupyter_mlops.cli import main
from jupyter_mlops.errors import (InvalidCronError, NotebookError, ParameterError, ScheduleError,
                                  ScheduleNotFoundError, SchedulesFileError, UnknownStepError,
                                  UnknownTimezoneError)
from jupyter_mlops.run.model import RunSpec, RunStatus
from jupyter_mlops.schedule.retention import apply_retention
from jupyter_mlops.service import schedules as service
from jupyter_mlops.store import db
from jupyter_mlops.store import runs as run_store


@pytest.mark.parametrize("fields, error, message", [
    ({"cron": "0 25 * * *"}, InvalidCronError, "'0 25 * * *'"),
    ({"cron": "daily"}, InvalidCronError, "expected 5 fields"),
    ({"timezone": "Europe/Atlantis"}, UnknownTimezoneError, "'Europe/Atlantis'"),
    ({"notebook": "missing.ipynb"}, NotebookError, "missing.ipynb"),
    ({"parameters": {"secs": 1}}, ParameterError, "unknown parameter 'secs'"),
    ({"parameters": {"seconds": "soon"}}, ParameterError, "'seconds' expects float"),
    ({"steps": ["train"]}, UnknownStepError, "train"),
    ({"overlap": "sometimes"}, ScheduleError, "overlap"),
    ({"retries": -1}, ScheduleError, "retries"),
    ({"notify": {"webhook": "ftp://example"}}, ScheduleError, "notify.webhook"),
    ({"colour": "blue"}, ScheduleError, "colour"),
])
def test_bad_input_is_refused_at_add(sleeper, fields, error, message):
    with pytest.raises(error, match=message.replace("(", r"\(").replace("*", r"\*")):
        service.add_schedule({"notebook": str(sleeper), "cron": "0 3 * * *", **fields})
    assert service.list_schedules() == []


def test_add_list_edit_pause_remove(sleeper):
    added = service.add_schedule({"notebook": str(sleeper), "cron": "0 3 * * *", "timezone": "Europe/Paris",
                                  "parameters": {"seconds": 1}})
    assert added.name == "sleeper" and added.parameters == {"seconds": 1.0}  # typed from the notebook
    assert added.description == "At 03:00, every day"
    assert added.next_fire_at.astimezone(added.next_fire_at.tzinfo).minute == 0
    second = service.add_schedule({"notebook": str(sleeper), "cron": "*/5 * * * *"})
    assert second.name == "sleeper-2"
    [listed, _] = service.list_schedules()
    assert listed.id == added.id and listed.next_fire_at == added.next_fire_at and listed.last_run_status is None
    edited = service.update_schedule("sleeper", {"cron": "30 4 * * 1-5", "retries": 2})
    assert edited.description == "At 04:30, Monday through Friday" and edited.retries == 2
    assert edited.next_fire_at != added.next_fire_at
    with pytest.raises(ScheduleError, match="already exists"):
        service.update_schedule(added.id, {"name": "sleeper-2"})
    assert service.pause_schedule(added.id).next_fire_at is None
    assert service.update_schedule(added.id, {"retries": 1}).next_fire_at is None  # still paused
    assert service.remove_schedule("sleeper").id == added.id
    with pytest.raises(ScheduleNotFoundError, match="'sleeper'"):
        service.get_schedule("sleeper")


def test_schedules_survive_a_restart(sleeper, mlops_home):
    added = service.add_schedule({"notebook": str(sleeper), "cron": "0 3 * * *", "retries": 1,
                                  "notify": {"webhook": "http://127.0.0.1:9/hook"}})
    db.reset_engines()  # as a new process would open the store
    [again] = service.list_schedules()
    assert again.model_dump(exclude={"description"}) == added.model_dump(exclude={"description"})


def test_preview_cron():
    description, upcoming = service.preview_cron("30 2 * * *", "Europe/Paris", count=4)
    assert description == "At 02:30, every day" and len(upcoming) == 4
    assert all(moment.tzinfo.key == "Europe/Paris" and moment > datetime.now(timezone.utc) for moment in upcoming)


SCHEDULES_YAML = """
schedules:
  - name: nightly
    notebook: sleeper.ipynb
    cron: "0 3 * * *"
    timezone: Europe/Paris
    parameters: {seconds: 1}
    retries: 2
  - name: hourly
    notebook: sleeper.ipynb
    cron: "0 * * * *"
"""


def test_apply_is_idempotent_and_removes_what_the_file_dropped(sleeper):
    path = sleeper.parent / "schedules.yaml"
    path.write_text(SCHEDULES_YAML)
    assert service.apply_schedules_file(path).model_dump() == {
        "created": ["nightly", "hourly"], "updated": [], "notebook_changed": [], "unchanged": [], "removed": []}
    before = service.list_schedules()
    assert service.apply_schedules_file(path).model_dump() == {
        "created": [], "updated": [], "notebook_changed": [], "unchanged": ["nightly", "hourly"], "removed": []}
    assert service.list_schedules() == before  # not even updated_at moved
    path.write_text(SCHEDULES_YAML.replace("retries: 2", "retries: 3").split("  - name: hourly")[0])
    assert service.apply_schedules_file(path).model_dump() == {
        "created": [], "updated": ["nightly"], "notebook_changed": [], "unchanged": [], "removed": ["hourly"]}
    assert service.get_schedule("nightly").retries == 3


@pytest.mark.parametrize("text, message", [
    ("schedules: {nightly: 1}", "expected a list"),
    ("schedules:\n  - notebook: sleeper.ipynb\n    cron: '0 3 * * *'", "needs a name"),
    ("schedules:\n  - {name: a, notebook: sleeper.ipynb, cron: '0 3 * * *'}\n"
     "  - {name: a, notebook: sleeper.ipynb, cron: '0 4 * * *'}", "repeated: a"),
    ("schedules: [", "cannot read"),
])
def test_apply_refuses_bad_files_before_changing_anything(sleeper, text, message):
    path = sleeper.parent / "schedules.yaml"
    path.write_text(text)
    with pytest.raises(SchedulesFileError, match=message):
        service.apply_schedules_file(path)
    assert service.list_schedules() == []


def test_apply_validates_every_entry_first(sleeper):
    path = sleeper.parent / "schedules.yaml"
    path.write_text(SCHEDULES_YAML.replace('cron: "0 * * * *"', 'cron: "0 * * *"'))
    with pytest.raises(InvalidCronError):
        service.apply_schedules_file(path)
    assert service.list_schedules() == []


def test_retention_keeps_the_last_runs_and_days_never_a_running_one(sleeper):
    schedule = service.add_schedule({"notebook": str(sleeper), "cron": "0 3 * * *"})
    now = datetime.now(timezone.utc)
    made = []
    for age_days, status in ((10, RunStatus.running), (9, RunStatus.failed), (3, RunStatus.succeeded),
                             (2, RunStatus.succeeded), (1, RunStatus.succeeded)):
        run = run_store.create_run(RunSpec(notebook=str(sleeper)), schedule_id=schedule.id)

        def age(record, age_days=age_days, status=status):
            record.status = status
            record.created_at = record.ended_at = now - timedelta(days=age_days)
        made.append(run_store.update_run(run.id, age))
    assert apply_retention(schedule.id, keep_runs=None, keep_days=5, now=now) == [made[1].id]
    assert apply_retention(schedule.id, keep_runs=2, keep_days=None, now=now) == [made[2].id]
    kept, _ = run_store.list_runs(schedule_id=schedule.id)
    assert {run.id for run in kept} == {made[0].id, made[3].id, made[4].id}  # the running one stays
    assert not (run_store.runs_root() / made[1].id).exists()


def test_cli_add_list_show_and_errors(sleeper):
    cli = CliRunner()
    result = cli.invoke(main, ["schedule", "add", str(sleeper), "--cron", "0 3 * * *", "--tz", "Europe/Paris",
                               "-p", "seconds", "2", "--name", "nightly", "--retries", "1"])
    assert result.exit_code == 0, result.output
    assert "At 03:00, every day (Europe/Paris)" in result.output
    listing = cli.invoke(main, ["schedule", "list"]).output
    assert "nightly" in listing and "At 03:00, every day" in listing
    assert "CET" in listing or "CEST" in listing  # shown in the schedule's timezone
    shown = cli.invoke(main, ["schedule", "show", "nightly"]).output
    assert "parameters: {'seconds': 2.0}" in shown and "retries=1" in shown
    assert cli.invoke(main, ["schedule", "edit", "nightly", "-p", "fail", "true"]).exit_code == 0
    assert service.get_schedule("nightly").parameters == {"seconds": 2.0, "fail": True}
    bad = cli.invoke(main, ["schedule", "add", str(sleeper), "--cron", "0 3 * * *", "--tz", "Mars/Base"])
    assert bad.exit_code == 1 and "UnknownTimezoneError: unknown timezone 'Mars/Base'" in bad.output
    assert cli.invoke(main, ["schedule", "pause", "nightly"]).output.startswith("paused nightly")
    assert "paused" in cli.invoke(main, ["schedule", "list"]).output
    assert cli.invoke(main, ["schedule", "remove", "nightly"]).exit_code == 0
