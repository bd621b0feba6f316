"""The schedule form: the cron's preview follows what is typed; Add stores the schedule as the CLI would."""

from __future__ import annotations

from jupyter_mlops.service.schedules import list_schedules
from jupyter_mlops.widgets import panel


def test_preview_follows_cron_and_timezone(pipeline_notebook):
    form = panel(pipeline_notebook).schedule_form
    form.cron.value = "30 6 * * 1-5"
    form.timezone.value = "Europe/Paris"
    assert "At 06:30, Monday through Friday" in form.preview.value
    fires = form.preview.value.split("<li>")[1:]
    assert len(fires) == 3 and all("06:30 CE" in fire for fire in fires)  # CET or CEST, local to Paris
    form.cron.value = "61 * * * *"
    assert "InvalidCronError" in form.preview.value
    form.cron.value = "0 3 * * *"
    form.timezone.value = "Mars/Olympus"
    assert "UnknownTimezoneError" in form.preview.value


def test_add_stores_the_schedule_with_its_parameters(pipeline_notebook):
    form = panel(pipeline_notebook).schedule_form
    assert "No schedule runs this notebook yet" in form.schedules.value
    form.name.value = "nightly"
    form.cron.value = "0 2 * * *"
    form.timezone.value = "America/New_York"
    form.parameters.fields["count"].input.value = 7
    form.button.click()

    [schedule] = list_schedules()
    assert (schedule.name, schedule.cron, schedule.timezone) == ("nightly", "0 2 * * *", "America/New_York")
    assert schedule.notebook == str(pipeline_notebook.resolve())
    assert schedule.parameters == {"count": 7}  # the others follow the notebook's defaults
    assert "Schedule nightly added" in form.feedback.value and "02:00 E" in form.feedback.value
    assert "<b>nightly</b>" in form.schedules.value


def test_add_refuses_what_the_service_refuses(pipeline_notebook):
    form = panel(pipeline_notebook).schedule_form
    form.name.value = "bad name!"
    form.button.click()
    assert "ScheduleError" in form.feedback.value and "name" in form.feedback.value
    assert list_schedules() == []
