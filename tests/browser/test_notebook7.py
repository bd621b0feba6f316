"""The extension in Jupyter Notebook 7 (a real `jupyter notebook` server and Chromium): the notebook
toolbar's buttons, the MLOps panel in the left side panel, the cell commands, and a run to the end.

Notebook 7 opens each notebook in a page of its own (`/notebooks/<path>`) whose shell has a single
main widget and collapsible left/right side panels listed in the View menu.
"""

from __future__ import annotations

from .lab import LabServer
from .panel import ACCEPT, DIALOG, SIDEBAR, api, cell_tags, run_command, select_cell, step_names
from .test_cell_commands import context_menu
from .test_runs import RUN_TIMEOUT_MS, save_when_asked

TOOLBAR = ".jp-NotebookPanel-toolbar"


def open_notebook_page(page, server: LabServer, path: str) -> None:
    """Loads a notebook's own Notebook 7 page (the token sets the login cookie)."""
    page.goto(f"{server.url}notebooks/{path}?token={server.token}")
    page.locator(".jp-NotebookPanel .jp-Cell").first.wait_for()


def toolbar_button(page, item: str):
    # JupyterLab's toolbar button is a <jp-button> web component, not a <button>.
    return page.locator(f'{TOOLBAR} [data-jp-item-name="{item}"] jp-button')


def show_panel_from_view_menu(page):
    """View › Left Sidebar › Show MLOps pipeline: Notebook 7 lists every left-panel widget there."""
    page.locator('.lm-MenuBar-itemLabel:text-is("View")').click()
    page.locator('.lm-Menu-itemLabel:text-is("Left Sidebar")').click()
    page.locator('.lm-Menu-itemLabel:text-is("Show MLOps pipeline")').click()
    sidebar = page.locator(SIDEBAR)
    sidebar.wait_for(state="visible")
    return sidebar


def test_toolbar_run_followed_in_the_panel(notebook7_page, notebook7_server: LabServer, notebook: str) -> None:
    page = notebook7_page
    open_notebook_page(page, notebook7_server, notebook)

    # The buttons declared under jupyter.lab.toolbars › Notebook, on the notebook's own toolbar.
    for item, label in [("mlops-run", "Run pipeline"), ("mlops-schedule", "Schedule"), ("mlops-batch", "Batch")]:
        button = toolbar_button(page, item)
        button.wait_for(state="visible")
        assert button.inner_text() == label
        # Enabled: the command found the page's notebook through INotebookTracker.
        assert button.get_attribute("aria-disabled") == "false"

    # The side panel starts collapsed; the View menu opens it on the page's notebook.
    assert not page.locator(SIDEBAR).is_visible()
    sidebar = show_panel_from_view_menu(page)
    sidebar.locator('.jp-mlops-step[data-step="train"]').wait_for()
    assert sidebar.locator(".jp-mlops-notebook").inner_text() == notebook
    assert step_names(sidebar) == ["prepare", "train"]

    toolbar_button(page, "mlops-run").click()
    save_when_asked(page)
    page.locator(f'{DIALOG} [data-parameter="alpha"] input').fill("3")
    page.click(ACCEPT)
    page.locator(DIALOG).wait_for(state="detached")

    sidebar.locator('[role="tab"][data-tab="runs"]').click()
    run = sidebar.locator('.jp-mlops-run[data-status="succeeded"]')
    run.wait_for(timeout=RUN_TIMEOUT_MS)
    assert run.locator(".jp-mlops-chip").evaluate_all("cs => cs.map(c => [c.dataset.step, c.dataset.status])") == [
        ["prepare", "succeeded"], ["train", "succeeded"]]
    # The server recorded the same run, for this notebook, with the dialog's value.
    record = api(notebook7_server, f"runs/{run.get_attribute('data-run')}")
    assert (record["path"], record["status"], record["parameters"]) == (notebook, "succeeded", {"alpha": 3})

    # The page's main area holds only the notebook: the run's output notebook and log open in dialogs.
    run.locator('[data-command="jupyter-mlops:open-output"]').click()
    output = page.locator(f"{DIALOG} .jp-mlops-output-notebook")
    output.wait_for()
    assert "# Parameters\nalpha = 3" in output.inner_text()
    page.click(ACCEPT)
    page.locator(DIALOG).wait_for(state="detached")
    run.locator('[data-command="jupyter-mlops:show-log"]').click()
    page.locator(f"{DIALOG} .jp-mlops-log-text").filter(has_text="train").wait_for()
    page.click(ACCEPT)
    page.locator(DIALOG).wait_for(state="detached")


def test_show_panel_command_and_cell_commands(notebook7_page, notebook7_server: LabServer, notebook: str) -> None:
    page = notebook7_page
    open_notebook_page(page, notebook7_server, notebook)

    run_command(page, "jupyter-mlops:show-panel")
    sidebar = page.locator(SIDEBAR)
    sidebar.locator('.jp-mlops-step[data-step="train"]').wait_for()

    # A cell command acts on the page's active cell: its context menu marks cell 2 as parameters.
    select_cell(page, 2)
    context_menu(page, 2, "Mark as Parameters Cell")
    page.wait_for_function(
        "() => window.jupyterapp.shell.currentWidget.content.widgets[2].model.getMetadata('tags')?.length > 0")
    assert cell_tags(page, 2) == ["parameters"]
    assert cell_tags(page, 1) == []  # only one parameters cell


def test_cell_markers_and_the_dashboard_page(notebook7_page, notebook7_server: LabServer, notebook: str) -> None:
    page = notebook7_page
    open_notebook_page(page, notebook7_server, notebook)
    page.locator('.jp-Cell[data-mlops-step="train"]').wait_for()
    steps = page.locator(".jp-Notebook .jp-Cell").evaluate_all("cs => cs.map(c => c.dataset.mlopsStep ?? null)")
    assert steps == [None, None, "prepare", "train"]
    assert "after prepare" in page.locator('[data-mlops-badge="train"]').inner_text()

    # A notebook page holds one document: the dashboard opens on the tree page, as a tab of its own.
    with page.context.expect_page() as opened:
        run_command(page, "jupyter-mlops:open-dashboard")
    tree = opened.value
    tree.locator(".jp-mlops-dashboard .jp-mlops-pager-text").wait_for()
    assert "/tree" in tree.url
    assert tree.locator('.lm-TabBar-tab.lm-mod-current:has-text("MLOps")').count() == 1
