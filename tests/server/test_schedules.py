"""Schedules through the API, fired by the scheduler loop the extension runs inside the server."""

from __future__ import annotations

import asyncio
import time

import nbformat

from jupyter_mlops.service import schedules as service
from tests.conftest import build_notebook
from tests.server.sse import next_event, open_stream


async def test_schedule_life_cycle(api, notebook):
    path = notebook(name="jobs/train.ipynb")
    status, schedule = await api("POST", "schedules", {"notebook": path, "cron": "0 3 * * *",
                                                       "timezone": "Europe/Paris", "parameters": {"alpha": 1.5}})
    assert status == 201, schedule
    assert schedule["path"] == path and schedule["name"] == "train" and schedule["next_fire_at"]
    assert "03:00" in schedule["description"]

    _, listed = await api("GET", "schedules")
    assert [s["id"] for s in listed["schedules"]] == [schedule["id"]]
    _, by_name = await api("GET", "schedules/train")
    assert by_name["id"] == schedule["id"]

    status, changed = await api("PATCH", f"schedules/{schedule['id']}", {"cron": "30 4 * * *"})
    assert status == 200 and changed["cron"] == "30 4 * * *" and changed["parameters"] == {"alpha": 1.5}
    assert changed["next_fire_at"] != schedule["next_fire_at"]

    _, paused = await api("POST", f"schedules/{schedule['id']}/pause")
    assert paused["paused"] is True and paused["next_fire_at"] is None
    _, resumed = await api("POST", f"schedules/{schedule['id']}/resume")
    assert resumed["paused"] is False and resumed["next_fire_at"]

    status, removed = await api("DELETE", f"schedules/{schedule['id']}")
    assert status == 200 and removed["id"] == schedule["id"]
    status, error = await api("GET", f"schedules/{schedule['id']}")
    assert status == 404 and error["error"] == "ScheduleNotFoundError"


async def test_run_now_and_runs_of_a_schedule(api, notebook, wait_for_run):
    _, schedule = await api("POST", "schedules", {"notebook": notebook(), "cron": "0 0 1 1 *"})
    status, run = await api("POST", f"schedules/{schedule['id']}/run")
    assert status == 201 and run["schedule_id"] == schedule["id"]
    finished = await wait_for_run(run["id"])
    assert finished["status"] == "succeeded", finished["error"]
    _, page = await api("GET", "runs", schedule_id=schedule["id"])
    assert [r["id"] for r in page["runs"]] == [run["id"]]


async def test_the_server_fires_schedules(api, notebook, wait_for_run):
    """The extension's scheduler loop fires a schedule on its own (every second here)."""
    _, schedule = await api("POST", "schedules", {"notebook": notebook(), "cron": "* * * * * *"})
    deadline = time.monotonic() + 60
    page = {"runs": []}
    while not page["runs"] and time.monotonic() < deadline:
        await asyncio.sleep(0.5)
        _, page = await api("GET", "runs", schedule_id=schedule["id"])
    await api("POST", f"schedules/{schedule['id']}/pause")
    assert page["runs"] and page["runs"][0]["trigger"] == "schedule"
    await wait_for_run(page["runs"][0]["id"])


async def test_schedule_refusals(api, notebook, tmp_path):
    path = notebook()
    cases = [
        ({"notebook": path, "cron": "61 * * * *"}, 400, "InvalidCronError", "61"),
        ({"notebook": path, "cron": "0 3 * * *", "timezone": "Mars/Base"}, 400, "UnknownTimezoneError", "Mars"),
        ({"notebook": path, "cron": "0 3 * * *", "colour": "red"}, 400, "ValidationError", "colour"),
        ({"notebook": path, "cron": "0 3 * * *", "parameters": {"alpha": "x"}}, 400, "ParameterError", "alpha"),
        ({"notebook": "../train.ipynb", "cron": "0 3 * * *"}, 403, "PathError", "'..'"),
        # Nothing from a request runs as code.
        ({"notebook": path, "cron": "0 3 * * *", "notify": {"command": "touch /tmp/x"}}, 400, "ValidationError",
         "notify.command"),
    ]
    for body, status, kind, named in cases:
        got, error = await api("POST", "schedules", body)
        assert (got, error["error"]) == (status, kind), (body, error)
        assert named in error["message"]
    _, schedule = await api("POST", "schedules", {"notebook": path, "cron": "0 3 * * *"})
    status, error = await api("PATCH", f"schedules/{schedule['id']}", {"retries": "many"})
    assert status == 400 and error["field"] == "retries"
    status, error = await api("PATCH", f"schedules/{schedule['id']}", {"notify": {"command": "rm -rf ~"}})
    assert status == 400 and error["field"] == "notify.command"
    status, error = await api("PATCH", f"schedules/{schedule['id']}", {"cron": "nope"})
    assert status == 400 and "nope" in error["message"]


async def test_a_notify_update_through_the_api_keeps_the_command_the_cli_set(api, notebook, jp_root_dir):
    # The panel sends every channel it shows; it never shows (nor may send) a command.
    schedule = service.add_schedule({"notebook": str(jp_root_dir / notebook()), "cron": "0 3 * * *",
                                     "notify": {"command": "logger failed", "webhook": "http://127.0.0.1:9/a"}})
    status, updated = await api("PATCH", f"schedules/{schedule.id}",
                                {"notify": {"webhook": "http://127.0.0.1:9/b", "events": ["failure", "success"]}})
    assert status == 200, updated
    stored = service.get_schedule(schedule.id).notify
    assert (stored.command, stored.webhook, stored.events) == ("logger failed", "http://127.0.0.1:9/b",
                                                               ["failure", "success"])
    status, _ = await api("PATCH", f"schedules/{schedule.id}", {"notify": None})  # no notifications at all
    assert status == 200 and service.get_schedule(schedule.id).notify is None


async def test_schedules_made_outside_the_root_do_not_run_through_the_api(api, tmp_path_factory):
    outside = tmp_path_factory.mktemp("elsewhere") / "job.ipynb"
    nbformat.write(build_notebook(["x = 1"]), outside)
    schedule = service.add_schedule({"notebook": str(outside), "cron": "0 3 * * *"})  # as the CLI would
    for action in ("run", "resume"):
        status, error = await api("POST", f"schedules/{schedule.id}/{action}")
        assert status == 403 and error["field"] == "notebook"
    status, _ = await api("PATCH", f"schedules/{schedule.id}", {"cron": "0 4 * * *"})
    assert status == 403
    _, listed = await api("GET", "schedules")
    assert listed["schedules"][0]["path"] is None
    _, page = await api("GET", "runs")
    assert page["total"] == 0


async def test_cron_preview(api):
    status, preview = await api("GET", "schedules/preview", cron="0 6 * * 1", timezone="America/New_York")
    assert status == 200 and len(preview["next"]) == 3
    assert all(t.endswith(("-05:00", "-04:00")) for t in preview["next"])
    assert "06:00" in preview["description"]
    status, error = await api("GET", "schedules/preview", cron="* *")
    assert status == 400 and error["error"] == "InvalidCronError"


async def test_schedule_changes_are_pushed(jp_serverapp, http_server_client, jp_http_port, jp_base_url, api,
                                          notebook):
    stream, writer = await open_stream(jp_http_port, jp_base_url, jp_serverapp.identity_provider.token)
    assert await asyncio.wait_for(next_event(stream), 10) == ("ready", {})
    _, schedule = await api("POST", "schedules", {"notebook": notebook(), "cron": "0 3 * * *"})
    name, pushed = await asyncio.wait_for(next_event(stream), 10)
    assert name == "schedule" and pushed["id"] == schedule["id"] and pushed["path"] == "train.ipynb"
    await api("DELETE", f"schedules/{schedule['id']}")
    assert await asyncio.wait_for(next_event(stream), 10) == ("schedule-removed", {"id": schedule["id"]})
    writer.close()
