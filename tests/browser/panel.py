"""Driving the jupyter-mlops panel the way a user does: through JupyterLab's own UI.

Selectors live here, so the tests read as steps and a markup change is fixed in one place.
"""

from __future__ import annotations

import json
import time
import urllib.request

from .lab import LabServer

SIDEBAR_TAB = '.jp-SideBar.jp-mod-left .lm-TabBar-tab[data-id="jupyter-mlops-sidebar"]'
SIDEBAR = "#jupyter-mlops-sidebar"
DIALOG = ".jp-Dialog"
ACCEPT = ".jp-Dialog .jp-mod-accept"


def open_lab(page, server: LabServer) -> None:
    """Loads JupyterLab with a fresh layout (the token sets the login cookie)."""
    page.goto(f"{server.url}lab?reset&token={server.token}")
    page.wait_for_selector(SIDEBAR_TAB)


def dismiss_dialogs(page) -> None:
    """Cancels every open dialog with Escape, and returns once they are gone. A dialog hears Escape
    only once it has taken the focus, a moment after it shows: a key pressed sooner is lost, so
    press again until none is left."""
    deadline = time.monotonic() + 30
    while page.locator(DIALOG).count() > 0:
        assert time.monotonic() < deadline, "a dialog did not close on Escape"
        page.keyboard.press("Escape")
        page.wait_for_timeout(100)


def reset_lab(page) -> None:
    """Closes dialogs, documents (discarding edits) and kernels, and shows the Pipeline tab."""
    dismiss_dialogs(page)
    page.evaluate("""async () => {
        const app = window.jupyterapp;
        for (const widget of Array.from(app.shell.widgets('main'))) {
            if (widget.context) { widget.context.model.dirty = false; }
            widget.dispose();
        }
        await app.serviceManager.sessions.shutdownAll();
        document.querySelector('#jupyter-mlops-sidebar [data-tab="pipeline"]')?.click();
    }""")


def run_command(page, command: str, args: dict | None = None) -> None:
    """Starts a command without waiting for it: one that opens a dialog ends only when it closes."""
    page.evaluate("([id, args]) => { void window.jupyterapp.commands.execute(id, args); }", [command, args or {}])


def open_notebook(page, path: str) -> None:
    """Opens a notebook and waits until its cells are shown."""
    run_command(page, "docmanager:open", {"path": path})
    page.locator('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-Cell').first.wait_for()


def wait_for_kernel(page) -> None:
    page.wait_for_function(
        "() => window.jupyterapp.shell.currentWidget?.sessionContext?.session?.kernel?.status === 'idle'",
        timeout=60_000)


def show_panel(page):
    """Opens the sidebar (when it is not already open) and returns it."""
    sidebar = page.locator(SIDEBAR)
    if not sidebar.is_visible():
        page.click(SIDEBAR_TAB)
    sidebar.wait_for(state="visible")
    return sidebar


def show_tab(page, name: str):
    sidebar = show_panel(page)
    sidebar.locator(f'[role="tab"][data-tab="{name}"]').click()
    return sidebar


def step_names(sidebar) -> list[str]:
    return sidebar.locator(".jp-mlops-step").evaluate_all("nodes => nodes.map(n => n.dataset.step)")


def select_cell(page, index: int) -> None:
    page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Cell").nth(index).locator(".jp-InputPrompt").click()


def insert_cell(page, index: int, source: str, above: bool = False) -> None:
    """A new code cell holding `source` below (or above) cell `index`, made with the notebook's own command."""
    select_cell(page, index)
    run_command(page, f"notebook:insert-cell-{'above' if above else 'below'}")
    page.evaluate("(source) => window.jupyterapp.shell.currentWidget.content.activeCell.model.sharedModel"
                  ".setSource(source)", source)


def cell_source(page, index: int) -> str:
    return page.evaluate(
        "i => window.jupyterapp.shell.currentWidget.content.widgets[i].model.sharedModel.getSource()", index)


def cell_tags(page, index: int) -> list[str]:
    return page.evaluate(
        "i => window.jupyterapp.shell.currentWidget.content.widgets[i].model.getMetadata('tags') || []", index)


def api(server: LabServer, path: str, method: str = "GET", body: dict | None = None) -> dict:
    """Calls the REST API directly, to check what the panel did (never to do it)."""
    request = urllib.request.Request(
        f"{server.url}mlops/api/{path}", method=method,
        data=None if body is None else json.dumps(body).encode(),
        headers={"Authorization": f"token {server.token}", "Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read() or b"null")


class ClickCounter:
    """Clicks through Playwright and counts them: the time-to-production budget is in clicks."""

    def __init__(self, page) -> None:
        self.page = page
        self.clicks: list[str] = []

    def click(self, selector: str) -> None:
        self.page.click(selector)
        self.clicks.append(selector)
