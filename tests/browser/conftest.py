"""Fixtures for real-browser tests: a real `jupyter lab` (and `jupyter notebook`, Notebook 7) and Debian's Chromium
driven by Playwright.

One JupyterLab server per session (start-up costs seconds); each test gets a fresh browser
context and opens JupyterLab with `?reset`, so no layout carries over between tests.
"""

from __future__ import annotations

import importlib.util
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path

import nbformat
import pytest

from .panel import open_lab, reset_lab
from .lab import (CHROMIUM, CHROMIUM_ARGS, DEMO_NOTEBOOK, REPO, SCREENSHOTS, LabServer, ensure_labextension_built,
                  start_lab)


# pytest-jupyter's autouse fixtures run an asyncio loop around every test, which clashes with
# Playwright's sync API; browser tests use neither, so these replace them here.
@pytest.fixture
def jp_asyncio_loop() -> Iterator[None]:
    yield None


@pytest.fixture
def jp_server_cleanup() -> Iterator[None]:
    yield


FAILURES = SCREENSHOTS / "failures"


def _skip_loudly(reason: str) -> None:
    print(f"\n*** SKIPPING BROWSER TESTS: {reason} ***", file=sys.stderr)
    pytest.skip(reason)


def _demo_notebook() -> nbformat.NotebookNode:
    parameters = nbformat.v4.new_code_cell("alpha = 0.5")
    parameters.metadata["tags"] = ["parameters"]
    return nbformat.v4.new_notebook(
        cells=[
            nbformat.v4.new_markdown_cell("# Browser test pipeline"),
            parameters,
            nbformat.v4.new_code_cell("%%mlstep prepare\ndata = list(range(10))"),
            nbformat.v4.new_code_cell("%%mlstep train --after prepare\nmodel = sum(data) * alpha"),
        ],
        # language_info as a kernel writes it, so opening the notebook leaves it unmodified.
        metadata={"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
                  "language_info": {"name": "python"}},
    )


@pytest.fixture(scope="package")
def lab_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The server's root dir: a copy of example_notebooks/ plus a small pipeline notebook."""
    root = tmp_path_factory.mktemp("lab-root")
    examples = REPO / "example_notebooks"
    if examples.is_dir():
        shutil.copytree(examples, root, dirs_exist_ok=True)
    nbformat.write(_demo_notebook(), root / DEMO_NOTEBOOK)
    return root


@pytest.fixture(scope="package")
def lab_server(tmp_path_factory: pytest.TempPathFactory, lab_root: Path) -> Iterator[LabServer]:
    labextension = ensure_labextension_built()
    workdir = tmp_path_factory.mktemp("lab-server")
    mlops_home = tmp_path_factory.mktemp("mlops-home")
    server = start_lab(workdir, lab_root, mlops_home, labextension)
    yield server
    server.stop()


@pytest.fixture(scope="package")
def browser():
    if not CHROMIUM.exists():
        _skip_loudly(f"{CHROMIUM} is missing; run scripts/setup-browser.sh")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _skip_loudly("Python Playwright is missing; run scripts/setup-browser.sh")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def notebook(lab_root: Path, request: pytest.FixtureRequest) -> str:
    """A fresh copy of the small pipeline notebook for one test (runs and edits do not mix
    between tests); its server-relative path."""
    name = f"{request.node.name.replace('[', '_').replace(']', '').replace(' ', '_')}.ipynb"
    nbformat.write(_demo_notebook(), lab_root / name)
    return name


@pytest.fixture(scope="module")
def _lab_page(browser, lab_server: LabServer):
    """One JupyterLab page per test module: loading JupyterLab takes seconds, so tests share it."""
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    page.set_default_timeout(60_000)
    open_lab(page, lab_server)
    yield page
    context.close()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    report = yield
    if report.when == "call":
        item.call_failed = report.failed  # read by the `page` fixture after the test
    return report


def _keep_failure_screenshot(page, request: pytest.FixtureRequest) -> None:
    if getattr(request.node, "call_failed", False):
        FAILURES.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(FAILURES / f"{request.node.name}.png"))


@pytest.fixture
def page(_lab_page, request: pytest.FixtureRequest):
    """The module's JupyterLab page, left as a test found it: no document, dialog or kernel open.
    A failed test leaves a screenshot of the page under test-artifacts/screenshots/failures/."""
    yield _lab_page
    _keep_failure_screenshot(_lab_page, request)
    reset_lab(_lab_page)


@pytest.fixture(scope="package")
def notebook7_server(tmp_path_factory: pytest.TempPathFactory, lab_root: Path) -> Iterator[LabServer]:
    """A real `jupyter notebook` (Notebook 7) over the same root dir as the lab server, with its own store."""
    if importlib.util.find_spec("notebook") is None:
        _skip_loudly("Notebook 7 is not installed; pip install -e '.[test]' (it needs notebook>=7)")
    labextension = ensure_labextension_built()
    workdir = tmp_path_factory.mktemp("notebook7-server")
    mlops_home = tmp_path_factory.mktemp("notebook7-mlops-home")
    server = start_lab(workdir, lab_root, mlops_home, labextension, app="notebook")
    yield server
    server.stop()


@pytest.fixture
def notebook7_page(browser, notebook7_server: LabServer, request: pytest.FixtureRequest):
    """A fresh browser context for one Notebook 7 test: each notebook opens in a page of its own,
    as Notebook 7 opens every document in its own tab. Failures leave a screenshot, as `page` does."""
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    notebook_page = context.new_page()
    notebook_page.set_default_timeout(60_000)
    yield notebook_page
    _keep_failure_screenshot(notebook_page, request)
    context.close()
