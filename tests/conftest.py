"""Shared fixtures: every test gets its own store, and notebooks are written with nbformat."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from jupyter_mlops.store import db

KERNELSPEC = {"name": "python3", "display_name": "Python 3", "language": "python"}


@pytest.fixture(autouse=True)
def mlops_home(tmp_path_factory, monkeypatch) -> Path:
    """A fresh JUPYTER_MLOPS_HOME (store + run folders) for each test."""
    home = tmp_path_factory.mktemp("mlops-home")
    monkeypatch.setenv("JUPYTER_MLOPS_HOME", str(home))
    db.reset_engines()
    yield home
    db.reset_engines()


def build_notebook(cells: list) -> nbformat.NotebookNode:
    """Cells as strings (code), ("md", text), or (source, [tags])."""
    built = []
    for cell in cells:
        if isinstance(cell, tuple) and cell[0] == "md":
            built.append(new_markdown_cell(cell[1]))
        elif isinstance(cell, tuple):
            built.append(new_code_cell(cell[0], metadata={"tags": list(cell[1])}))
        else:
            built.append(new_code_cell(cell))
    return new_notebook(cells=built, metadata={"kernelspec": KERNELSPEC})


@pytest.fixture
def write_notebook(tmp_path) -> Callable[..., Path]:
    """write_notebook(cells, name="nb.ipynb") -> path, in the test's tmp dir."""

    def write(cells: list, name: str = "nb.ipynb") -> Path:
        path = tmp_path / name
        nbformat.write(build_notebook(cells), path)
        return path

    return write


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # pytest-timeout's default signal method cannot interrupt Playwright's sync API (its event
    # loop swallows the alarm), so a hung browser test would stall the whole run: there the
    # thread method is used, which dumps every stack and ends the run instead.
    for item in items:
        if "tests/browser/" in item.nodeid:
            item.add_marker(pytest.mark.timeout(600, method="thread"))
