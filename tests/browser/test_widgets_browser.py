"""`%mlops` in a real JupyterLab: the ipywidgets panel renders, runs its notebook, and follows the run."""

from __future__ import annotations

import nbformat
import pytest

from .lab import LabServer, screenshot

NOTEBOOK = "widgets_demo.ipynb"
PANEL = ".jp-mlops-widget"


@pytest.fixture(scope="module")
def widgets_notebook(lab_root) -> str:
    parameters = nbformat.v4.new_code_cell("alpha = 0.5")
    parameters.metadata["tags"] = ["parameters"]
    notebook = nbformat.v4.new_notebook(
        cells=[
            parameters,
            nbformat.v4.new_code_cell("%%mlstep prepare\ndata = list(range(10))"),
            nbformat.v4.new_code_cell("%%mlstep train --after prepare\n"
                                      "from jupyter_mlops.metrics import record\nrecord('total', sum(data) * alpha)"),
            nbformat.v4.new_code_cell("%mlops"),
        ],
        metadata={"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}},
    )
    nbformat.write(notebook, lab_root / NOTEBOOK)
    return NOTEBOOK


def test_the_panel_renders_in_jupyterlab_and_runs_its_notebook(page, lab_server: LabServer, widgets_notebook):
    page.goto(f"{lab_server.url}lab?reset&token={lab_server.token}")
    page.wait_for_selector(".jp-LauncherCard, .jp-DirListing")
    page.evaluate("path => window.jupyterapp.commands.execute('docmanager:open', {path})", widgets_notebook)
    page.wait_for_selector(".jp-Notebook .jp-Cell")
    # Run only the %mlops cell: the panel finds its notebook through the kernel's session.
    page.locator(".jp-Notebook .jp-Cell").last.click()
    page.evaluate("() => window.jupyterapp.commands.execute('notebook:run-cell')")

    panel = page.locator(PANEL)
    panel.wait_for(timeout=60_000)
    assert f"jupyter-mlops · {widgets_notebook}" in panel.inner_text()
    assert "No runs of this notebook yet." in panel.inner_text()
    assert "prepare" in panel.locator(".jp-mlops-steps").inner_text()

    panel.locator(".lm-TabBar-tab", has_text="Run now").click()
    # Every tab is in the page; the Run now tab's field is the one shown.
    alpha = panel.get_by_role("spinbutton", name="alpha").filter(visible=True)
    alpha.fill("2")
    alpha.press("Tab")  # FloatText sends its value on blur
    panel.locator("button", has_text="Run now").filter(visible=True).click()
    panel.locator(".jp-mlops-ok", has_text="started").wait_for()

    # The runs table follows the run from a background thread until it has finished.
    finished = panel.locator("tr[data-status='succeeded']")
    finished.wait_for(timeout=120_000)
    assert "2/2" in finished.inner_text()
    output_notebook = finished.locator("code[title]").get_attribute("title")
    screenshot(page, "widgets-panel", "JupyterLab Light")

    executed = nbformat.read(output_notebook, as_version=4)
    injected = [cell.source for cell in executed.cells if "injected-parameters" in cell.metadata.get("tags", [])]
    assert injected and "alpha = 2.0" in injected[0]
