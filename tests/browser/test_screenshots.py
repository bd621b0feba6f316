"""A screenshot of every view of the panel, in the light and the dark theme (test-artifacts/screenshots/).

The state shown (a finished run, a schedule) is made through the API, so this test is about
the views; the behaviour behind them is tested in the other modules.
"""

from __future__ import annotations

import time

import pytest

from .lab import THEMES, LabServer, screenshot, set_theme
from .panel import ACCEPT, DIALOG, api, dismiss_dialogs, open_notebook, run_command, select_cell, show_panel, show_tab
from .test_runs import save_when_asked


def finished_run(lab_server: LabServer, notebook: str, alpha: float) -> dict:
    run = api(lab_server, "runs", "POST", {"path": notebook, "parameters": {"alpha": alpha}})
    deadline = time.monotonic() + 180
    while run["status"] in ("queued", "running"):
        assert time.monotonic() < deadline, f"run {run['id']} did not finish"
        time.sleep(0.5)
        run = api(lab_server, f"runs/{run['id']}")
    return run


@pytest.mark.parametrize("theme", THEMES)
def test_every_view_in_both_themes(page, lab_server: LabServer, notebook: str, theme: str) -> None:
    first = finished_run(lab_server, notebook, 0.5)
    second = finished_run(lab_server, notebook, 2.0)
    api(lab_server, "schedules", "POST", {"notebook": notebook, "cron": "0 6 * * *", "timezone": "UTC",
                                          "parameters": {"alpha": 1.5}})
    set_theme(page, theme)
    open_notebook(page, notebook)
    sidebar = show_panel(page)
    sidebar.locator('.jp-mlops-step[data-step="train"]').wait_for()
    screenshot(page, "pipeline", theme)

    select_cell(page, 3)
    run_command(page, "jupyter-mlops:make-step")
    page.locator(f"{DIALOG} .jp-mlops-step-form").wait_for()
    screenshot(page, "step-dialog", theme)
    dismiss_dialogs(page)

    sidebar.locator('[data-command="jupyter-mlops:run"]').click()
    save_when_asked(page)
    screenshot(page, "run-dialog", theme)
    dismiss_dialogs(page)

    sidebar.locator('[data-command="jupyter-mlops:schedule"]').click()
    save_when_asked(page)
    page.locator(f'{DIALOG} label:has(input[name="jp-mlops-backend"][value="docker"])').click()
    page.wait_for_function("() => document.querySelectorAll('.jp-Dialog .jp-mlops-next-fires li').length === 3")
    screenshot(page, "schedule-dialog", theme)
    dismiss_dialogs(page)

    show_tab(page, "runs")
    sidebar.locator(f'.jp-mlops-run[data-run="{second["id"]}"]').wait_for()
    screenshot(page, "runs", theme)

    for run in (first, second):
        sidebar.locator(f'.jp-mlops-run[data-run="{run["id"]}"] input[type="checkbox"]').check()
    sidebar.locator('[data-command="jupyter-mlops:compare-runs"]').click()
    page.locator(f"{DIALOG} .jp-mlops-compare").wait_for()
    screenshot(page, "compare", theme)
    page.click(ACCEPT)

    run_command(page, "jupyter-mlops:open-output", {"id": second["id"]})
    page.locator(".jp-mlops-output-notebook .jp-Cell").first.wait_for()
    screenshot(page, "output-notebook", theme)

    run_command(page, "jupyter-mlops:show-log", {"id": second["id"]})
    page.locator(".jp-mlops-log-text").filter(has_text="train").wait_for()
    screenshot(page, "log", theme)

    show_tab(page, "schedules")
    sidebar.locator(".jp-mlops-schedule").first.wait_for()
    screenshot(page, "schedules", theme)
