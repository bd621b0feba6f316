"""Pinned notebook versions: a fire runs what was scheduled, not the file edited since; drift is
reported (nbdime), `pin` moves the version, `follow_file` opts out, `apply` pins."""

from __future__ import annotations

import subprocess

import nbformat
import pytest
from click.testing import CliRunner

from jupyter_mlops.cli import main
from jupyter_mlops.errors import NotebookVersionNotFoundError, ScheduleError
from jupyter_mlops.schedule import fires
from jupyter_mlops.schedule.loop import SchedulerLoop
from jupyter_mlops.service import schedules as service
from jupyter_mlops.service.lineage import diff_runs, rerun
from jupyter_mlops.service.runs import get_run
from jupyter_mlops.store.versions import versions_dir

from ..conftest import build_notebook
from ..waiting import wait_finished
from .conftest import schedule_runs

V1 = [("n = 1", ["parameters"]), "import jupyter_mlops\njupyter_mlops.record('version', 1)"]
V2 = [("n = 1\nlabel = 'x'", ["parameters"]), "import jupyter_mlops\njupyter_mlops.record('version', 2)",
      "print('new cell')"]


def fire(schedule, clock, loop=None) -> "get_run":
    """One fire of the schedule by the real loop, its run awaited."""
    before = {run.id for run in schedule_runs(schedule.id)}
    loop = loop or SchedulerLoop(clock=clock, heartbeat=600, lease_ttl=3600)
    clock.current = service.get_schedule(schedule.id).next_fire_at
    loop.tick()
    [new] = [run for run in schedule_runs(schedule.id) if run.id not in before]
    return wait_finished(new.id)


def test_an_edited_notebook_runs_pinned_until_pinned_again(write_notebook, clock, tmp_path):
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    path = write_notebook(V1)
    subprocess.run(["git", "-C", str(tmp_path), "add", "nb.ipynb"], check=True)
    subprocess.run(["git", "-C", str(tmp_path), "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "v1"],
                   check=True)
    schedule = service.add_schedule({"notebook": str(path), "cron": "* * * * *", "parameters": {"n": 3}})
    assert schedule.version.git_commit and schedule.version.git_dirty is False
    assert (versions_dir() / f"{schedule.version.sha256}.ipynb").read_bytes() == path.read_bytes()
    assert schedule.drift.differs is False

    nbformat.write(build_notebook(V2), path)  # edited after scheduling
    drifted = service.get_schedule(schedule.name)
    # nbdime pairs the parameters cell (changed); the short record cell reads as replaced.
    assert (drifted.drift.cells_changed, drifted.drift.cells_added, drifted.drift.cells_removed) == (1, 2, 1)
    assert drifted.drift.parameters_added == ["label"]
    assert "record('version', 2)" in service.schedule_diff(schedule.name)
    shown = CliRunner().invoke(main, ["schedule", "show", schedule.name])
    assert "differs from the pinned version" in shown.output and "parameter label added" in shown.output

    loop = SchedulerLoop(clock=clock, heartbeat=600, lease_ttl=3600)
    first = fire(schedule, clock, loop)
    assert first.metrics == {"version": 1}  # the pinned version, not the file
    assert first.spec.notebook_version == schedule.version.sha256
    assert first.lineage.git.commit == schedule.version.git_commit and first.lineage.git.dirty is False
    assert schedule.version.sha256[:12] in CliRunner().invoke(main, ["runs", "show", first.id]).output

    pinned = CliRunner().invoke(main, ["schedule", "pin", schedule.name])
    assert pinned.exit_code == 0, pinned.output
    assert "parameter label added" in pinned.output
    moved = service.get_schedule(schedule.name)
    assert moved.version.sha256 != schedule.version.sha256 and moved.version.git_dirty is True
    assert moved.drift.differs is False
    second = fire(moved, clock, loop)
    assert second.metrics == {"version": 2} and second.spec.notebook_version == moved.version.sha256

    again = rerun(first.id).run  # rerun: the version the first run executed
    assert again.metrics == {"version": 1}
    assert any("record('version', 2)" in line for line in diff_runs(first.id, second.id).code)


def test_a_notebook_that_breaks_the_schedule_is_not_pinned(write_notebook):
    path = write_notebook(V1)
    schedule = service.add_schedule({"notebook": str(path), "cron": "0 3 * * *", "parameters": {"n": 3}})
    nbformat.write(build_notebook([("m = 1", ["parameters"]), "pass"]), path)
    with pytest.raises(ScheduleError, match=f"version {schedule.version.sha256[:12]} stays pinned.*unknown parameter 'n'"):
        service.pin_schedule(schedule.name)
    path.write_text("{not json")
    with pytest.raises(ScheduleError, match="stays pinned.*not valid JSON"):
        service.pin_schedule(schedule.name)
    assert service.get_schedule(schedule.name).version.sha256 == schedule.version.sha256


def test_follow_file_runs_the_file(write_notebook, clock):
    path = write_notebook(V1)
    schedule = service.add_schedule({"notebook": str(path), "cron": "* * * * *", "follow_file": True})
    assert schedule.version is None and schedule.drift is None
    nbformat.write(build_notebook(V2), path)
    run = fire(schedule, clock)
    assert run.metrics == {"version": 2} and run.spec.notebook_version is None
    assert "follows the notebook file" in CliRunner().invoke(main, ["schedule", "show", schedule.name]).output


def test_a_pinned_version_gone_from_the_store_stops_the_fire_naming_it(write_notebook, clock):
    path = write_notebook(V1)
    schedule = service.add_schedule({"notebook": str(path), "cron": "* * * * *"})
    (versions_dir() / f"{schedule.version.sha256}.ipynb").unlink()
    assert "has gone from the store" in service.get_schedule(schedule.name).drift.summary
    with pytest.raises(NotebookVersionNotFoundError, match=schedule.version.sha256[:12]):
        service.run_schedule_now(schedule.name)
    loop = SchedulerLoop(clock=clock, heartbeat=600, lease_ttl=3600)
    clock.current = schedule.next_fire_at
    loop.tick()
    assert schedule_runs(schedule.id) == []  # no run record half-written
    [fired] = fires.history(schedule.id)
    assert fired.state == fires.FAILED_TO_START and schedule.version.sha256[:12] in fired.detail


def test_apply_pins_and_reports_a_notebook_that_moved_on(write_notebook, tmp_path):
    write_notebook(V1)
    file = tmp_path / "schedules.yaml"
    file.write_text("schedules:\n  - name: nightly\n    notebook: nb.ipynb\n    cron: '0 3 * * *'\n")
    assert service.apply_schedules_file(file).created == ["nightly"]
    assert service.apply_schedules_file(file).unchanged == ["nightly"]
    nbformat.write(build_notebook(V2), tmp_path / "nb.ipynb")
    result = CliRunner().invoke(main, ["schedule", "apply", str(file)])
    assert "updated (notebook changed): nightly" in result.output, result.output
    assert service.get_schedule("nightly").drift.differs is False
    assert service.apply_schedules_file(file).unchanged == ["nightly"]


def test_edit_switches_between_following_the_file_and_pinning(write_notebook):
    path = write_notebook(V1)
    schedule = service.add_schedule({"notebook": str(path), "cron": "0 3 * * *"})
    assert CliRunner().invoke(main, ["schedule", "edit", schedule.name, "--follow-file"]).exit_code == 0
    following = service.get_schedule(schedule.name)
    assert following.follow_file and following.version is None
    assert "follows file" in CliRunner().invoke(main, ["schedule", "list"]).output
    nbformat.write(build_notebook(V2), path)
    assert CliRunner().invoke(main, ["schedule", "edit", schedule.name, "--pin-version"]).exit_code == 0
    pinned = service.get_schedule(schedule.name)  # pins what the file holds now
    assert not pinned.follow_file and pinned.version.sha256 != schedule.version.sha256
    assert pinned.drift.differs is False
    # An edit keeps the version and checks the change against it, not against the file.
    nbformat.write(build_notebook(V1), path)
    edited = CliRunner().invoke(main, ["schedule", "edit", schedule.name, "-p", "label", "y"])
    assert edited.exit_code == 0, edited.output  # V2, pinned, has `label`
    assert service.get_schedule(schedule.name).parameters == {"label": "y"}
