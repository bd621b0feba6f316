"""Kernel, variables and secrets in the widgets: secrets set write-only, a run started with them
(real kernel), a malformed line refused naming it, a schedule pinned again from the form."""

from __future__ import annotations

import nbformat

from jupyter_mlops.secrets import get_secret
from jupyter_mlops.service.schedules import get_schedule
from jupyter_mlops.widgets import panel
from tests.waiting import wait_finished
from tests.trust.leaks import LEAKY_CELLS, files_holding, sha256


def test_a_run_from_the_form_gets_its_kernel_variables_and_secret(write_notebook, mlops_home):
    form = panel(write_notebook(LEAKY_CELLS)).run_form
    environment = form.environment
    assert "python3" in [value for _label, value in environment.kernel.options]
    environment.manager.name.value = "DB_TOKEN"
    environment.manager.value.value = "tok-widget-9a8b7c"
    environment.manager.set_button.click()
    assert environment.manager.value.value == "" and "DB_TOKEN" in environment.manager.listing.value
    assert "tok-widget" not in environment.manager.listing.value
    assert get_secret("DB_TOKEN") == "tok-widget-9a8b7c"

    environment.env.value = "MODE=widget\nnot a line"
    form.button.click()
    assert "EnvironmentVariableError" in form.feedback.value and "not a line" in form.feedback.value
    environment.env.value = "MODE=widget"
    environment.secrets.value = "DB_TOKEN"
    environment.kernel.value = "python3"
    run = wait_finished(form.run().id)
    assert run.spec.kernel_name == "python3" and run.metrics["mode"] == "widget"
    assert run.metrics["token_sha256"] == sha256("tok-widget-9a8b7c")
    assert files_holding(mlops_home, "tok-widget-9a8b7c") == []


def test_update_to_the_current_notebook(write_notebook):
    path = write_notebook([("n = 1", ["parameters"]), "print(n)"])
    form = panel(path).schedule_form
    form.button.click()
    schedule = get_schedule("nb")
    assert "pinned " + schedule.version.sha256[:12] in form.schedules.value and form.updates.children == ()
    edited = nbformat.read(path, as_version=4)
    edited.cells[1].source = "print(n * 2)"
    nbformat.write(edited, path)
    form.show_schedules()
    assert "the file differs" in form.schedules.value
    [update] = form.updates.children
    update.click()
    assert "now runs version" in form.feedback.value
    assert get_schedule("nb").version.sha256 != schedule.version.sha256 and form.updates.children == ()
