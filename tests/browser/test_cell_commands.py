"""The cell commands, as a user reaches them: the cell context menu, the palette, the panel."""

from __future__ import annotations

from .lab import LabServer
from .panel import ACCEPT, DIALOG, cell_source, cell_tags, insert_cell, open_notebook, show_panel, step_names


def context_menu(page, cell_index: int, item: str) -> None:
    cell = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Cell").nth(cell_index)
    cell.locator(".jp-InputArea-editor").click(button="right")
    page.locator(".lm-Menu-item:not(.lm-mod-disabled) .lm-Menu-itemLabel", has_text=item).click()


def test_make_a_cell_a_step_from_its_context_menu(page, lab_server: LabServer, notebook: str) -> None:
    open_notebook(page, notebook)
    sidebar = show_panel(page)
    sidebar.locator('.jp-mlops-step[data-step="train"]').wait_for()
    # A new plain code cell at the end.
    insert_cell(page, 3, "score = model / 2")

    context_menu(page, 4, "Make Cell a Pipeline Step…")
    page.locator(DIALOG).wait_for()
    # The step above is the default dependency; the user adds prepare too.
    assert page.locator(f'{DIALOG} .jp-mlops-check:has-text("train") input').is_checked()
    assert not page.locator(f"{ACCEPT}").is_enabled()  # no name yet
    page.locator(f"{DIALOG} .jp-InputGroup input").fill("train")
    assert "already declares" in page.locator(f"{DIALOG} .jp-mlops-field-error").inner_text()
    page.locator(f"{DIALOG} .jp-InputGroup input").fill("evaluate")
    page.locator(f'{DIALOG} .jp-mlops-check:has-text("prepare") input').check()
    page.click(ACCEPT)

    assert cell_source(page, 4) == "%%mlstep evaluate --after prepare,train\nscore = model / 2"
    sidebar.locator('.jp-mlops-step[data-step="evaluate"]').wait_for()
    assert step_names(sidebar) == ["prepare", "train", "evaluate"]

    # Editing keeps the code and rewrites the line; the implicit dependency is left implicit.
    context_menu(page, 4, "Edit Pipeline Step…")
    page.locator(f'{DIALOG} .jp-mlops-check:has-text("prepare") input').uncheck()
    page.click(ACCEPT)
    assert cell_source(page, 4) == "%%mlstep evaluate\nscore = model / 2"

    context_menu(page, 4, "Remove Pipeline Step")
    assert cell_source(page, 4) == "score = model / 2"
    page.wait_for_function("() => !document.querySelector('.jp-mlops-step[data-step=\"evaluate\"]')")


def test_mark_the_parameters_cell(page, lab_server: LabServer, notebook: str) -> None:
    open_notebook(page, notebook)
    sidebar = show_panel(page)
    sidebar.locator('.jp-mlops-parameters-table tr[data-parameter="alpha"]').wait_for()
    insert_cell(page, 1, "beta: int = 3", above=True)

    # papermill reads one parameters cell: tagging this one untags the other.
    context_menu(page, 1, "Mark as Parameters Cell")
    assert cell_tags(page, 1) == ["parameters"]
    assert cell_tags(page, 2) == []
    sidebar.locator('.jp-mlops-parameters-table tr[data-parameter="beta"]').wait_for()
    assert sidebar.locator('.jp-mlops-parameters-table tr[data-parameter="beta"] .jp-mlops-type').inner_text() == "int"

    # The same command again removes the tag (it is a toggle).
    context_menu(page, 1, "Mark as Parameters Cell")
    assert cell_tags(page, 1) == []
