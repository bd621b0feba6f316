"""The jupyter-mlops sidebar in a real JupyterLab, in the light and dark themes."""

from __future__ import annotations

import pytest

from .lab import DEMO_NOTEBOOK, THEMES, LabServer, screenshot, set_theme

SIDEBAR_TAB = '.jp-SideBar.jp-mod-left .lm-TabBar-tab[data-id="jupyter-mlops-sidebar"]'
SIDEBAR = "#jupyter-mlops-sidebar"


@pytest.mark.parametrize("theme", THEMES)
def test_sidebar_shows_the_active_notebook(page, lab_server: LabServer, theme: str) -> None:
    page.goto(f"{lab_server.url}lab?reset&token={lab_server.token}")
    page.wait_for_selector(SIDEBAR_TAB)
    set_theme(page, theme)

    page.click(SIDEBAR_TAB)
    sidebar = page.locator(SIDEBAR)
    sidebar.wait_for(state="visible")
    assert "Open a notebook to see its pipeline." in sidebar.inner_text()

    page.evaluate("path => window.jupyterapp.commands.execute('docmanager:open', {path})", DEMO_NOTEBOOK)
    page.locator(f'.jp-mlops-notebook[title="{DEMO_NOTEBOOK}"]').wait_for()
    assert sidebar.locator(".jp-mlops-notebook").inner_text() == DEMO_NOTEBOOK
    # The panel stays open beside the notebook.
    assert sidebar.is_visible()
    screenshot(page, "sidebar", theme)
