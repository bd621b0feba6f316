"""Schedules from the panel: create one with a preset, see it listed with its next fire, pause,
resume, run now, delete; and the time-to-production budget in clicks."""

from __future__ import annotations

import re
import time

from .lab import LabServer
from .panel import ACCEPT, DIALOG, ClickCounter, api, open_notebook, run_command, show_panel, show_tab, wait_for_kernel
from .test_runs import RUN_TIMEOUT_MS, save_when_asked

SCHEDULE_BUTTON = '.jp-NotebookPanel:not(.lm-mod-hidden) .jp-Toolbar-item[data-jp-item-name="mlops-schedule"]'


def schedules_of(lab_server: LabServer, notebook: str) -> list[dict]:
    return [s for s in api(lab_server, "schedules")["schedules"] if s["path"] == notebook]


def created_schedules(lab_server: LabServer, notebook: str, timeout: float = 30) -> list[dict]:
    """The notebook's schedules once there is one: a dialog closes as its request leaves, before the
    server has answered it."""
    deadline = time.monotonic() + timeout
    while not schedules_of(lab_server, notebook) and time.monotonic() < deadline:
        time.sleep(0.2)
    return schedules_of(lab_server, notebook)


def test_create_a_schedule_see_its_next_fire_and_pause_it(page, lab_server: LabServer, notebook: str) -> None:
    open_notebook(page, notebook)
    sidebar = show_panel(page)
    sidebar.locator('[data-command="jupyter-mlops:schedule"]').click()
    save_when_asked(page)

    # A preset, its words and next three fire times from the server, in the chosen timezone.
    page.locator(f'{DIALOG} .jp-mlops-segmented label:has(input[value="hourly"])').click()
    page.locator(f"{DIALOG} select[aria-label='Timezone']").select_option("Europe/Paris")
    # The default preset's preview may still be shown: wait for the hourly one's words, then its fires.
    page.locator(f"{DIALOG} .jp-mlops-cron-words").filter(has_text=re.compile("hour", re.IGNORECASE)).wait_for()
    page.wait_for_function("() => document.querySelectorAll('.jp-Dialog .jp-mlops-next-fires li').length === 3")
    # A custom cron that is not one is refused with the server's reason.
    page.locator(f'{DIALOG} .jp-mlops-segmented label:has(input[value="custom"])').click()
    page.locator(f"{DIALOG} input[aria-label='Cron']").fill("61 * * * *")
    page.locator(f"{DIALOG} .jp-mlops-cron-preview .jp-mlops-field-error").wait_for()
    assert not page.locator(ACCEPT).is_enabled()
    page.locator(f"{DIALOG} input[aria-label='Cron']").fill("30 7 * * 1-5")
    page.wait_for_function("() => document.querySelectorAll('.jp-Dialog .jp-mlops-next-fires li').length === 3")
    page.locator(f"{DIALOG} select").filter(has_text="skip this fire").select_option("queue")
    page.click(ACCEPT)

    show_tab(page, "schedules")
    row = sidebar.locator(".jp-mlops-schedule").filter(has_text=notebook.removesuffix(".ipynb"))
    row.wait_for()
    assert "Next:" in row.locator(".jp-mlops-next-fire").inner_text()
    [stored] = schedules_of(lab_server, notebook)
    assert (stored["cron"], stored["timezone"], stored["overlap"]) == ("30 7 * * 1-5", "Europe/Paris", "queue")
    assert stored["parameters"] == {"alpha": 0.5}

    row.locator('[data-command="jupyter-mlops:pause-schedule"]').click()
    sidebar.locator(f'.jp-mlops-schedule[data-schedule="{stored["id"]}"][data-paused="true"]').wait_for()
    assert "Paused: no next fire" in row.inner_text()
    assert schedules_of(lab_server, notebook)[0]["paused"] is True

    row.locator('[data-command="jupyter-mlops:resume-schedule"]').click()
    sidebar.locator(f'.jp-mlops-schedule[data-schedule="{stored["id"]}"][data-paused="false"]').wait_for()

    # Run now: a run of this notebook that the schedule made.
    row.locator('[data-command="jupyter-mlops:run-schedule-now"]').click()
    show_tab(page, "runs")
    sidebar.locator('.jp-mlops-run[data-status="succeeded"]').wait_for(timeout=RUN_TIMEOUT_MS)

    show_tab(page, "schedules")
    row.locator('[data-command="jupyter-mlops:delete-schedule"]').click()
    page.click(ACCEPT)
    row.wait_for(state="detached")
    assert schedules_of(lab_server, notebook) == []


def test_time_to_production_in_five_clicks(page, lab_server: LabServer, notebook: str) -> None:
    """From an open, working (saved) notebook to a scheduled, containerized, parametrized run,
    with a cron preset and no typing: every click is counted."""
    backends = {b["name"]: b for b in api(lab_server, "backends")["backends"]}
    assert backends.get("docker", {}).get("available"), f"the docker backend is not available: {backends}"
    open_notebook(page, notebook)
    wait_for_kernel(page)
    run_command(page, "docmanager:save")  # a working notebook is a saved one
    page.wait_for_function("() => !window.jupyterapp.shell.currentWidget.context.model.dirty")

    user = ClickCounter(page)
    user.click(SCHEDULE_BUTTON)  # the notebook toolbar's "Schedule"
    page.locator(f"{DIALOG} .jp-mlops-run-form").wait_for()
    user.click(f'{DIALOG} label:has(input[name="jp-mlops-backend"][value="docker"])')
    user.click(f'{DIALOG} label:has(input[name="jp-mlops-preset"][value="weekly"])')
    page.wait_for_function("() => document.querySelectorAll('.jp-Dialog .jp-mlops-next-fires li').length === 3")
    user.click(ACCEPT)
    page.locator(DIALOG).wait_for(state="detached")

    assert len(user.clicks) <= 5, user.clicks
    page.wait_for_function("() => !document.querySelector('.jp-Dialog')")
    [schedule] = created_schedules(lab_server, notebook)
    assert schedule["backend"] == "docker"
    assert schedule["cron"] == "0 6 * * 1"
    assert schedule["parameters"] == {"alpha": 0.5}  # from the parameters cell
    assert schedule["next_fire_at"]
    print(f"time to production: {len(user.clicks)} clicks")

    # And it runs, in a container (not counted: this checks what the clicks made).
    sidebar = show_tab(page, "schedules")
    row = sidebar.locator(f'.jp-mlops-schedule[data-schedule="{schedule["id"]}"]')
    row.locator('[data-command="jupyter-mlops:run-schedule-now"]').click()
    show_tab(page, "runs")
    done = sidebar.locator('.jp-mlops-run[data-status="succeeded"]')
    done.wait_for(timeout=RUN_TIMEOUT_MS)
    assert "docker" in done.locator(".jp-mlops-run-meta").inner_text()
