"""Run now from the panel, watch the run live, open its output notebook and log, re-run, compare."""

from __future__ import annotations

import nbformat

from .lab import LabServer
from .panel import ACCEPT, DIALOG, api, open_notebook, show_panel, show_tab

RUN_TIMEOUT_MS = 180_000


def save_when_asked(page) -> None:
    """The kernel fills in the notebook's language_info on start, so a freshly opened notebook
    has unsaved changes: the panel asks to save before it runs the file."""
    form_or_prompt = page.locator(f"{DIALOG} .jp-mlops-run-form, {DIALOG} :text('Save the notebook first?')")
    form_or_prompt.first.wait_for()
    if page.locator(f"{DIALOG} .jp-mlops-run-form").count() == 0:
        page.click(ACCEPT)
    page.locator(f"{DIALOG} .jp-mlops-run-form").wait_for()


def start_run_from_panel(page, alpha: str | None = None) -> None:
    sidebar = show_panel(page)
    sidebar.locator('[data-command="jupyter-mlops:run"]').click()
    save_when_asked(page)
    if alpha is not None:
        page.locator(f'{DIALOG} [data-parameter="alpha"] input').fill(alpha)
    page.click(ACCEPT)
    page.locator(DIALOG).wait_for(state="detached")


def test_run_now_and_watch_it_succeed(page, lab_server: LabServer, notebook: str, lab_root) -> None:
    open_notebook(page, notebook)
    sidebar = show_panel(page)
    sidebar.locator('.jp-mlops-step[data-step="train"]').wait_for()

    # An unsaved notebook is saved first, after asking.
    page.evaluate("""() => window.jupyterapp.shell.currentWidget.content.widgets[2].model.sharedModel
                         .setSource('%%mlstep prepare\\ndata = list(range(20))')""")
    sidebar.locator('[data-command="jupyter-mlops:run"]').click()
    page.locator(f"{DIALOG} :text('Save the notebook first?')").wait_for()
    page.click(ACCEPT)
    page.locator(f"{DIALOG} .jp-mlops-run-form").wait_for()
    assert "range(20)" in (lab_root / notebook).read_text()

    # The dialog is pre-filled from the parameters cell and refuses a value of the wrong type.
    alpha = page.locator(f'{DIALOG} [data-parameter="alpha"] input')
    assert alpha.input_value() == "0.5"
    alpha.fill("")
    assert "must be a number" in page.locator(f'{DIALOG} [data-parameter="alpha"]').inner_text()
    assert not page.locator(ACCEPT).is_enabled()
    alpha.fill("2")
    assert page.locator(f'{DIALOG} input[name="jp-mlops-backend"][value="local"]').is_checked()
    page.click(ACCEPT)

    show_tab(page, "runs")
    run = sidebar.locator(".jp-mlops-run").first
    run.wait_for()
    # Live: the row moves to succeeded with no reload (the events stream), each step with its status.
    sidebar.locator('.jp-mlops-run[data-status="succeeded"]').wait_for(timeout=RUN_TIMEOUT_MS)
    chips = run.locator(".jp-mlops-chip")
    assert chips.evaluate_all("cs => cs.map(c => [c.dataset.step, c.dataset.status])") == [
        ["prepare", "succeeded"], ["train", "succeeded"]]
    assert "manual" in run.locator(".jp-mlops-trigger").inner_text()
    assert "alpha=2" in run.locator(".jp-mlops-run-meta").inner_text()
    run_id = run.get_attribute("data-run")
    assert api(lab_server, f"runs/{run_id}")["parameters"] == {"alpha": 2}

    # The output notebook opens read-only in the main area, with the run's outputs.
    run.locator('[data-command="jupyter-mlops:open-output"]').click()
    output = page.locator(".jp-mlops-output-notebook")
    output.wait_for()
    assert "%%mlstep train" in output.inner_text()
    assert "# Parameters\nalpha = 2" in output.inner_text()  # papermill's injected cell

    # The log opens beside it.
    run.locator('[data-command="jupyter-mlops:show-log"]').click()
    log = page.locator(".jp-mlops-log")
    log.wait_for()
    page.wait_for_function("() => document.querySelector('.jp-mlops-log-status')?.textContent.includes('succeeded')",
                           timeout=RUN_TIMEOUT_MS)

    # Re-run the same version with the same parameters (an edit on disk since changes nothing), then
    # compare the two runs.
    edited = nbformat.read(lab_root / notebook, as_version=4)
    edited.cells[-1].source = "%%mlstep train\nraise RuntimeError('edited since the run')"
    nbformat.write(edited, lab_root / notebook)
    run.locator('[data-command="jupyter-mlops:rerun"]').click()
    sidebar.locator(".jp-mlops-run").nth(1).wait_for()
    sidebar.locator('.jp-mlops-run[data-status="succeeded"]').nth(1).wait_for(timeout=RUN_TIMEOUT_MS)
    rerun_id = sidebar.locator(".jp-mlops-run").first.get_attribute("data-run")
    assert rerun_id != run_id
    rerun = api(lab_server, f"runs/{rerun_id}")
    assert (rerun["parameters"], rerun["trigger"], rerun["status"]) == ({"alpha": 2}, "rerun", "succeeded")
    for row in sidebar.locator(".jp-mlops-run").all()[:2]:
        row.locator('input[type="checkbox"]').check()
    sidebar.locator('[data-command="jupyter-mlops:compare-runs"]').click()
    table = page.locator(f"{DIALOG} .jp-mlops-compare")
    table.wait_for()
    assert "alpha" in table.inner_text()


def test_cancel_a_running_run(page, lab_server: LabServer, notebook: str, lab_root) -> None:
    slow = nbformat.read(lab_root / notebook, as_version=4)
    slow.cells[3].source = "%%mlstep train --after prepare\nimport time\ntime.sleep(60)"
    nbformat.write(slow, lab_root / notebook)
    open_notebook(page, notebook)
    start_run_from_panel(page)
    sidebar = show_tab(page, "runs")
    running = sidebar.locator('.jp-mlops-run[data-status="running"]')
    running.wait_for(timeout=RUN_TIMEOUT_MS)
    running.locator('[data-command="jupyter-mlops:cancel-run"]').click()
    sidebar.locator('.jp-mlops-run[data-status="cancelled"]').wait_for(timeout=RUN_TIMEOUT_MS)
