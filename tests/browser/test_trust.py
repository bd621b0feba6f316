"""From the Schedule dialog: a secret set through its password field, variables, a kernel; then
the notebook edited on disk shows as drift in the Schedules tab, and "Update to the current
notebook" pins it."""

from __future__ import annotations

import json

import nbformat
from nbformat.v4 import new_code_cell

from .lab import LabServer
from .panel import ACCEPT, DIALOG, api, open_notebook, show_panel, show_tab
from .test_runs import save_when_asked
from .test_schedules import created_schedules, schedules_of

VALUE = "tok-browser-4e5f6a7b"


def test_schedule_with_a_secret_then_update_to_the_current_notebook(page, lab_server: LabServer, lab_root,
                                                                     notebook: str) -> None:
    open_notebook(page, notebook)
    sidebar = show_panel(page)
    sidebar.locator('[data-command="jupyter-mlops:schedule"]').click()
    save_when_asked(page)

    page.locator(f"{DIALOG} input[aria-label='Secret name']").fill("DB_TOKEN")
    page.locator(f"{DIALOG} input[aria-label='Secret value']").fill(VALUE)
    page.locator(f"{DIALOG} button:has-text('Set secret')").click()
    page.locator(f"{DIALOG} .jp-mlops-secret-name code", has_text="DB_TOKEN").wait_for()
    assert page.locator(f"{DIALOG} input[aria-label='Secret value']").input_value() == ""
    page.locator(f"{DIALOG} textarea[aria-label='Variables']").fill("MODE=browser")
    page.locator(f"{DIALOG} textarea[aria-label='Secrets']").fill("PGPASSWORD=DB_TOKEN")
    page.locator(f"{DIALOG} select[aria-label='Kernel']").select_option("python3")
    page.click(ACCEPT)
    page.locator(DIALOG).wait_for(state="detached")

    [stored] = created_schedules(lab_server, notebook)
    assert (stored["kernel_name"], stored["env"], stored["secrets"]) == (
        "python3", {"MODE": "browser"}, {"PGPASSWORD": "DB_TOKEN"})
    assert VALUE not in json.dumps([api(lab_server, "schedules"), api(lab_server, "secrets")])
    assert VALUE not in page.content()

    edited = nbformat.read(lab_root / notebook, as_version=4)
    edited.cells.append(new_code_cell("print('added after scheduling')"))
    nbformat.write(edited, lab_root / notebook)
    show_tab(page, "runs")
    show_tab(page, "schedules")  # the tab reads the schedules afresh
    row = sidebar.locator(f'.jp-mlops-schedule[data-schedule="{stored["id"]}"]')
    row.locator(".jp-mlops-drift", has_text="1 added").wait_for()
    row.locator("button:has-text('Show diff')").click()
    assert "added after scheduling" in row.locator(".jp-mlops-diff").inner_text()
    row.locator('[data-command="jupyter-mlops:pin-schedule"]').click()
    row.locator(".jp-mlops-version[data-drifted='false']").wait_for()
    [pinned] = schedules_of(lab_server, notebook)
    assert pinned["version"]["sha256"] != stored["version"]["sha256"] and pinned["drift"]["differs"] is False
