"""Which notebook the panel shows, links to output notebooks, the path prompt, `%mlops` in a real kernel."""

from __future__ import annotations

import ast
import json
import os
import threading

import nbclient
import pytest

from jupyter_mlops.widgets import MLOpsPanel, PathPrompt, panel
from jupyter_mlops.widgets.location import JupyterServer, file_link, find_server
from jupyter_mlops.widgets.ticker import Ticker
from tests.conftest import build_notebook

WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


def test_mlops_magic_shows_the_panel_of_the_kernels_notebook(pipeline_notebook):
    notebook = build_notebook([
        "%mlops",
        "_.notebook, _.tabs.titles",
        "del __session__\nfrom jupyter_mlops.widgets import panel\ntype(panel()).__name__",
    ])
    # What jupyter_server gives a kernel it starts for a notebook (ipykernel turns it into __session__).
    env = {**os.environ, "JPY_SESSION_NAME": str(pipeline_notebook)}
    nbclient.NotebookClient(notebook, kernel_name="python3", timeout=60,
                            resources={"metadata": {"path": str(pipeline_notebook.parent)}}).execute(env=env)
    shown = notebook.cells[0].outputs[0]
    assert shown.output_type == "execute_result" and WIDGET_VIEW in shown.data
    assert ast.literal_eval(notebook.cells[1].outputs[0].data["text/plain"]) == (
        str(pipeline_notebook), ("Pipeline", "Run now", "Schedule", "Batch"))
    assert notebook.cells[2].outputs[0].data["text/plain"] == "'PathPrompt'"


def test_without_a_notebook_path_the_panel_asks_for_one(pipeline_notebook, tmp_path):
    prompt = panel()
    assert isinstance(prompt, PathPrompt)
    prompt.path.value = str(tmp_path / "missing.ipynb")
    prompt.button.click()
    assert "No notebook at" in prompt.feedback.value
    prompt.path.value = str(pipeline_notebook)
    prompt.button.click()
    [shown] = prompt.children
    assert isinstance(shown, MLOpsPanel) and shown.notebook == str(pipeline_notebook.resolve())


def test_output_notebooks_under_the_server_root_are_lab_links_others_are_paths(tmp_path):
    server = JupyterServer(tmp_path / "root", "/user/ada/")
    inside = tmp_path / "root" / "runs" / "a b.ipynb"
    assert file_link(str(inside), server) == (
        f'<a href="/user/ada/lab/tree/runs/a%20b.ipynb" target="_blank" title="{inside}">a b.ipynb</a>')
    outside = tmp_path / "elsewhere" / "out.ipynb"
    assert file_link(str(outside), server) == f'<code title="{outside}">{outside}</code>'
    assert file_link(str(inside), None) == f'<code title="{inside}">{inside}</code>'


def test_the_server_is_found_in_the_runtime_dir_it_shares_with_its_kernels(tmp_path, monkeypatch):
    runtime = tmp_path / "runtime"
    runtime.mkdir()
    monkeypatch.setenv("JUPYTER_RUNTIME_DIR", str(runtime))
    root = tmp_path / "root"
    (runtime / "jpserver-1.json").write_text(json.dumps(
        {"pid": os.getpid(), "root_dir": str(root), "base_url": "/lab-base/", "url": "http://127.0.0.1:1/"}))
    assert find_server(root / "sub" / "nb.ipynb") == JupyterServer(root.resolve(), "/lab-base/")
    assert find_server(tmp_path / "other.ipynb") is None


def test_ticker_stops_when_nothing_is_left_and_restarts_on_demand():
    calls = []
    more = threading.Event()

    def tick() -> bool:
        calls.append(1)
        return more.is_set()

    ticker = Ticker(tick, interval=0.01)
    ticker.start()
    ticker.join(timeout=5)
    assert not ticker.running and len(calls) == 1
    more.set()
    ticker.start()
    ticker.start()  # already following: no second thread
    threading.Timer(0.2, more.clear).start()
    ticker.join(timeout=5)
    assert not ticker.running and len(calls) > 2


@pytest.mark.filterwarnings("ignore::pytest.PytestUnhandledThreadExceptionWarning")  # the error is the point
def test_a_failing_tick_ends_the_thread_and_a_later_start_begins_afresh():
    outcomes = iter([RuntimeError("store unavailable"), False])

    def tick() -> bool:
        outcome = next(outcomes)
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    ticker = Ticker(tick, interval=0.01)
    ticker.start()
    ticker.join(timeout=5)
    assert not ticker.running
    ticker.start()
    ticker.join(timeout=5)
    assert not ticker.running and next(outcomes, "spent") == "spent"
