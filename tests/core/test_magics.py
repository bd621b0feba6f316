"""`%%mlstep` inside a real kernel (nbclient): the cell behaves exactly as without the line."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import nbclient
import pytest

from tests.conftest import build_notebook


def execute(cells: list, **kwargs):
    notebook = build_notebook(cells)
    nbclient.NotebookClient(notebook, kernel_name="python3", allow_errors=True, timeout=60, **kwargs).execute()
    return notebook.cells


def _plain(traceback: list[str]) -> str:
    return re.sub(r"\x1b\[[0-9;]*m", "", "".join(traceback))


def text_of(cell) -> str:
    return "".join(o.get("text", "") or o.get("data", {}).get("text/plain", "") for o in cell.outputs)


def test_the_extension_loads_in_a_fresh_kernel_without_load_ext():
    config = Path(sys.prefix, "etc", "ipython", "ipython_kernel_config.json")
    assert "jupyter_mlops" in json.loads(config.read_text())["InteractiveShellApp"]["extensions"]
    cells = execute(["%%mlstep first\nx = 20\nx * 2"])
    assert text_of(cells[0]) == "40"


def test_same_namespace_last_expression_and_traceback():
    plain = execute(["y = 1", "y + 1", "def f():\n    return 1 / 0\nf()"])
    stepped = execute(["%%mlstep a\ny = 1", "%%mlstep b\ny + 1", "%%mlstep c\ndef f():\n    return 1 / 0\nf()"])
    assert text_of(stepped[1]) == text_of(plain[1]) == "2"
    plain_error, step_error = plain[2].outputs[0], stepped[2].outputs[0]
    assert (step_error.ename, step_error.evalue) == (plain_error.ename, plain_error.evalue) == (
        "ZeroDivisionError", "division by zero")
    # the traceback points at the same line of the cell (colours stripped: IPython versions differ)
    assert "----> 3" in _plain(step_error.traceback) and "----> 3" in _plain(plain_error.traceback)


def test_bad_option_line_is_a_usage_error_not_a_crash():
    cells = execute(["%%mlstep train --retries many\nexecuted = True", "'executed' in dir()"])
    assert text_of(cells[0]).startswith("UsageError: %%mlstep train --retries many: argument --retries: "
                                        "'many' is not an integer")
    assert text_of(cells[1]) == "False"  # the body did not run, the kernel carries on


def test_load_ext_still_works_and_mlsteps_prints_the_pipeline_with_durations(write_notebook):
    path = write_notebook(["%%mlstep load\nimport time\ntime.sleep(0.2)", "%%mlstep fit --after load\nz = 1"])
    cells = execute(["%load_ext jupyter_mlops", "%%mlstep load\nimport time\ntime.sleep(0.2)", f"%mlsteps {path}"])
    printed = text_of(cells[2])
    assert "load (cells 0-0)" in printed and "fit (cells 1-1) after load" in printed
    seconds = float(printed.split("load: ")[1].split("s")[0])
    assert 0.2 <= seconds < 5


def test_mlsteps_without_a_notebook_path_asks_for_one():
    cells = execute(["%mlsteps"])
    assert text_of(cells[0]).startswith("UsageError: %mlsteps: cannot tell which notebook")
