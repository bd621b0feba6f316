"""The pipeline view of the sidebar in a real JupyterLab: steps, parameters, errors, live edits."""

from __future__ import annotations

from .lab import LabServer
from .panel import open_notebook, show_panel, step_names


def test_without_a_notebook_the_panel_says_what_to_do(page, lab_server: LabServer) -> None:
    sidebar = show_panel(page)
    assert "Open a notebook to see its pipeline." in sidebar.inner_text()


def test_an_example_notebook_shows_its_steps_and_parameters(page, lab_server: LabServer) -> None:
    open_notebook(page, "train_evaluate.ipynb")
    sidebar = show_panel(page)
    sidebar.locator('.jp-mlops-step[data-step="evaluate"]').wait_for()

    assert sidebar.locator(".jp-mlops-notebook").inner_text() == "train_evaluate.ipynb"
    assert step_names(sidebar) == ["prepare", "train", "evaluate"]
    assert "← prepare" in sidebar.locator('.jp-mlops-step[data-step="train"]').inner_text()
    assert "← train" in sidebar.locator('.jp-mlops-step[data-step="evaluate"]').inner_text()
    parameters = sidebar.locator(".jp-mlops-parameters-table tr").evaluate_all(
        "rows => rows.map(r => r.dataset.parameter)")
    assert parameters  # the example's parameters cell, with types and defaults
    assert sidebar.locator(".jp-mlops-parameters-table .jp-mlops-type").first.inner_text() in {
        "int", "float", "str", "bool", "list", "dict", "NoneType"}

    # Clicking a step makes its cell the active one.
    sidebar.locator('.jp-mlops-step[data-step="evaluate"] .jp-mlops-step-name').click()
    assert page.evaluate("() => window.jupyterapp.shell.currentWidget.content.activeCellIndex") == 8


def test_the_pipeline_follows_edits_and_shows_errors_at_their_cell(page, lab_server: LabServer,
                                                                   notebook: str) -> None:
    open_notebook(page, notebook)
    sidebar = show_panel(page)
    sidebar.locator('.jp-mlops-step[data-step="train"]').wait_for()

    # An unsaved edit that makes the declaration invalid: the error names the cell.
    page.evaluate("""() => {
        const cell = window.jupyterapp.shell.currentWidget.content.widgets[3];
        cell.model.sharedModel.setSource('%%mlstep train --after nowhere\\nmodel = 1');
    }""")
    error = sidebar.locator(".jp-mlops-problems .jp-mlops-error")
    error.wait_for()
    assert "nowhere" in error.inner_text()
    assert "cell 3" in error.inner_text()

    # Fixing it brings the steps back, without saving.
    page.evaluate("""() => {
        const cell = window.jupyterapp.shell.currentWidget.content.widgets[3];
        cell.model.sharedModel.setSource('%%mlstep fit --after prepare\\nmodel = 1');
    }""")
    sidebar.locator('.jp-mlops-step[data-step="fit"]').wait_for()
    assert step_names(sidebar) == ["prepare", "fit"]
    assert sidebar.locator(".jp-mlops-problems").count() == 0


def test_the_tabs_work_from_the_keyboard(page, lab_server: LabServer, notebook: str) -> None:
    open_notebook(page, notebook)
    sidebar = show_panel(page)
    sidebar.locator('[role="tab"][data-tab="pipeline"]').focus()
    page.keyboard.press("ArrowRight")
    assert sidebar.locator('[role="tab"][aria-selected="true"]').get_attribute("data-tab") == "runs"
    assert page.evaluate("() => document.activeElement.dataset.tab") == "runs"
    page.keyboard.press("ArrowLeft")
    page.keyboard.press("ArrowLeft")
    assert sidebar.locator('[role="tab"][aria-selected="true"]').get_attribute("data-tab") == "schedules"
