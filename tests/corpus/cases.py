"""A table of bad and odd notebooks, as the bytes of a file: broken files, wrong JSON shapes, every
nbformat version, missing keys, odd tags, odd `%%mlstep` lines, odd parameters cells, and
kernels that exit, die or print a lot."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import nbformat
from nbformat import v1, v2, v3

KERNELSPEC = {"name": "python3", "display_name": "Python 3", "language": "python"}


@dataclass(frozen=True)
class Case:
    name: str
    content: bytes
    #: The notebook declares steps in our syntax (tags, %%mlstep options papermill ignores): refusing
    #: a malformed declaration, or enforcing a step's timeout, is ours to do whatever papermill does.
    ours: bool = False


def code(source: Any, tags: Any = None, **extra: Any) -> dict:
    cell = {"cell_type": "code", "id": None, "metadata": {}, "source": source, "outputs": [],
            "execution_count": None, **extra}
    if tags is not None:
        cell["metadata"]["tags"] = tags
    return cell


def md(source: str) -> dict:
    return {"cell_type": "markdown", "id": None, "metadata": {}, "source": source}


def notebook(*cells: dict, minor: int = 5, metadata: Any = None) -> dict:
    cells = [copy.deepcopy(c) for c in cells]
    for index, cell in enumerate(cells):
        if cell.get("id", "") is None:
            cell["id"] = f"cell-{index}"
    return {"nbformat": 4, "nbformat_minor": minor, "cells": cells,
            "metadata": {"kernelspec": KERNELSPEC} if metadata is None else metadata}


def data(value: Any) -> bytes:
    return json.dumps(value).encode()


def changed(base: dict, change: Callable[[dict], Any]) -> bytes:
    value = copy.deepcopy(base)
    change(value)
    return data(value)


def _old(module: Any, source: str) -> bytes:
    if module is v1:
        old = v1.new_notebook(cells=[v1.new_code_cell(code=source)])
    else:
        old = module.new_notebook(worksheets=[module.new_worksheet(cells=[module.new_code_cell(input=source)])])
    old["metadata"] = {"kernelspec": KERNELSPEC, **old.get("metadata", {})}
    return module.writes_json(old).encode() if module is not v3 else nbformat.writes(old, version=3).encode()


GOOD = notebook(code("x = 1", ["parameters"]), code("print(x * 2)"))
HELLO = [code("print('hello')")]


def _del(path: list, key: str) -> Callable[[dict], None]:
    def change(value: dict) -> None:
        target = value
        for part in path:
            target = target[part]
        del target[key]
    return change


def _set(path: list, key: str, new: Any) -> Callable[[dict], None]:
    def change(value: dict) -> None:
        target = value
        for part in path:
            target = target[part]
        target[key] = new
    return change


CASES: list[Case] = [
    # -- files that are not notebooks --------------------------------------------------------
    Case("empty_file", b""),
    Case("truncated", data(GOOD)[: len(data(GOOD)) // 2]),
    Case("not_utf8", data(GOOD).replace(b"print", b"pr\xe9nt")),
    Case("utf16", json.dumps(GOOD).encode("utf-16")),
    Case("utf8_bom", b"\xef\xbb\xbf" + data(GOOD)),
    Case("binary", bytes(range(256)) * 4),
    Case("json_null", b"null"),
    Case("json_list", b"[1, 2, 3]"),
    Case("json_number", b"42"),
    Case("json_string", b'"a notebook"'),
    Case("json_empty_object", b"{}"),
    Case("deeply_nested", b"[" * 100000 + b"]" * 100000),
    # -- every nbformat version ---------------------------------------------------------------
    Case("nbformat_1", _old(v1, "print('v1')")),
    Case("nbformat_2", _old(v2, "print('v2')")),
    Case("nbformat_3", _old(v3, "print('v3')")),
    Case("nbformat_4_0", changed(notebook(*HELLO, minor=0), _del(["cells", 0], "id"))),
    Case("nbformat_4_4", changed(notebook(*HELLO, minor=4), _del(["cells", 0], "id"))),
    Case("nbformat_4_5", data(notebook(*HELLO))),
    Case("nbformat_4_99", data(notebook(*HELLO, minor=99))),
    Case("nbformat_5", data({**notebook(*HELLO), "nbformat": 5})),
    Case("nbformat_0", data({**notebook(*HELLO), "nbformat": 0})),
    Case("nbformat_text", data({**notebook(*HELLO), "nbformat": "4"})),
    Case("nbformat_missing", changed(notebook(*HELLO), _del([], "nbformat"))),
    # -- missing keys and wrong shapes --------------------------------------------------------
    Case("no_cells", changed(GOOD, _del([], "cells"))),
    Case("cells_a_dict", changed(GOOD, _set([], "cells", {"0": code("x")}))),
    Case("cell_a_string", changed(GOOD, _set(["cells"], 1, "print(1)"))),
    Case("no_cell_type", changed(GOOD, _del(["cells", 1], "cell_type"))),
    Case("cell_type_heading", changed(GOOD, _set(["cells", 1], "cell_type", "heading"))),
    Case("code_without_source", changed(GOOD, _del(["cells", 1], "source"))),
    Case("markdown_without_source", changed(notebook(md("# t"), *HELLO), _del(["cells", 0], "source"))),
    Case("source_a_number", changed(GOOD, _set(["cells", 1], "source", 12))),
    Case("source_as_lines", data(notebook(code(["x = 1\n", "print(x)"])))),
    Case("cell_without_metadata", changed(GOOD, _del(["cells", 1], "metadata"))),
    Case("cell_metadata_a_list", changed(GOOD, _set(["cells", 1], "metadata", []))),
    Case("code_without_outputs", changed(GOOD, _del(["cells", 1], "outputs"))),
    Case("code_without_execution_count", changed(GOOD, _del(["cells", 1], "execution_count"))),
    Case("outputs_a_string", changed(GOOD, _set(["cells", 1], "outputs", "none"))),
    Case("garbage_outputs", changed(GOOD, _set(["cells", 1], "outputs", [{"output_type": "bogus"}]))),
    Case("notebook_without_metadata", changed(GOOD, _del([], "metadata"))),
    Case("no_kernelspec", data(notebook(*HELLO, metadata={}))),
    Case("unknown_kernel", data(notebook(*HELLO, metadata={"kernelspec": {**KERNELSPEC, "name": "cobol"}}))),
    Case("no_ids_in_4_5", changed(notebook(*HELLO), _del(["cells", 0], "id"))),
    Case("duplicate_ids", data(notebook(code("print(1)", id="same"), code("print(2)", id="same")))),
    Case("invalid_id", data(notebook(code("print(1)", id="not a valid id!")))),
    Case("only_markdown", data(notebook(md("# nothing to run")))),
    Case("no_cells_at_all", data(notebook())),
    Case("only_raw", data(notebook({"cell_type": "raw", "id": None, "metadata": {}, "source": "raw"}))),
    Case("unicode_everywhere", data(notebook(md("# ملاحظات 📓"), code("print('héllo ✓ 日本')")))),
    # -- odd tags -------------------------------------------------------------------------------
    Case("tags_a_string", data(notebook(code("x = 1", "parameters"), code("print(x)")))),
    Case("tags_with_numbers", data(notebook(code("x = 1", [1, None, "parameters"]), code("print(x)")))),
    Case("tags_a_dict", data(notebook(code("x = 1", {"parameters": True}), code("print(x)")))),
    Case("tags_a_number", data(notebook(code("x = 1", 7), code("print(x)")))),
    Case("two_parameters_cells", data(notebook(code("x = 1", ["parameters"]), code("y = 2", ["parameters"]),
                                               code("print(x, y)")))),
    Case("injected_parameters_cell", data(notebook(code("x = 1", ["parameters"]),
                                                   code("x = 5", ["injected-parameters"]), code("print(x)")))),
    Case("parameters_tag_on_markdown", data(notebook(md("x = 1"), code("print(1)")))),
    Case("empty_mlstep_tag", data(notebook(code("x = 1", ["mlstep:"]))), ours=True),
    Case("option_tag_without_step", data(notebook(code("x = 1", ["retries:2"]))), ours=True),
    Case("unknown_after_tag", data(notebook(code("x = 1", ["mlstep:a", "after:zzz"]))), ours=True),
    Case("long_tag", data(notebook(code("print(1)", ["t" * 10000])))),
    # -- odd %%mlstep lines ---------------------------------------------------------------------
    Case("mlstep_without_name", data(notebook(code("%%mlstep\nx = 1"))), ours=True),
    Case("mlstep_bad_name", data(notebook(code("%%mlstep 1abc\nx = 1"))), ours=True),
    Case("mlstep_negative_retries", data(notebook(code("%%mlstep a --retries -1\nx = 1"))), ours=True),
    Case("mlstep_unknown_option", data(notebook(code("%%mlstep a --bogus\nx = 1"))), ours=True),
    Case("mlstep_unbalanced_quote", data(notebook(code("%%mlstep a 'oops\nx = 1"))), ours=True),
    Case("mlstep_duplicate", data(notebook(code("%%mlstep a\nx = 1"), code("%%mlstep a\ny = 2"))), ours=True),
    Case("mlstep_cycle", data(notebook(code("%%mlstep a --after b\nx = 1"), code("%%mlstep b --after a\ny = 2"))),
         ours=True),
    Case("mlstep_forward", data(notebook(code("%%mlstep a\nx = 1"), code("%%mlstep b --after c\ny = 2"),
                                         code("%%mlstep c --after a\nz = 3"))), ours=True),
    Case("mlstep_crlf", data(notebook(code("%%mlstep a\r\nprint('crlf')\r\n"), code("%%mlstep b\r\nprint(2)")))),
    Case("mlstep_after_blank_lines", data(notebook(code("\n\n%%mlstep a\nprint('a')")))),
    Case("mlsteps_typo", data(notebook(code("%%mlsteps a\nprint('a')")))),
    Case("steps_that_work", data(notebook(code("x = 1", ["parameters"]), code("%%mlstep a\ny = x + 1"),
                                          code("%%mlstep b --after a --retries 1\nprint(y)")))),
    Case("step_timeout", data(notebook(code("%%mlstep slow --timeout 0.5\nimport time\ntime.sleep(5)"))),
         ours=True),
    # -- odd parameters cells -------------------------------------------------------------------
    Case("only_parameters_cell", data(notebook(code("x = 1\nprint(x)", ["parameters"])))),
    Case("parameters_syntax_error", data(notebook(code("x = (1", ["parameters"]), code("print(x)")))),
    Case("parameters_empty", data(notebook(code("", ["parameters"]), code("print(1)")))),
    Case("parameters_only_comments", data(notebook(code("# nothing yet", ["parameters"]), code("print(1)")))),
    Case("parameters_computed", data(notebook(
        code("import os\nfrom pathlib import Path\npath = os.getcwd()\nname = f'r{1}'\na, b = 1, 2\n"
             "data_dir = Path('data')", ["parameters"]), code("print(path, name, a, b, data_dir)")))),
    Case("parameters_unknown_annotation", data(notebook(
        code("from typing import Optional\nx: Optional[int] = None\ny: 'np.ndarray' = 1", ["parameters"]),
        code("print(x, y)")))),
    Case("parameters_starred", data(notebook(code("a, *rest = [1, 2, 3]", ["parameters"]), code("print(rest)")))),
    Case("parameters_odd_literals", data(notebook(
        code("t = (1, 2)\nn = None\nd = {'a': [1, {'b': None}]}\nraw = b'x'\ns = {1}\nz = 1j\nx = y = 3",
             ["parameters"]), code("print(t, n, d, raw, s, z, x, y)")))),
    Case("parameters_null_byte", data(notebook(code("x = 1\x00", ["parameters"]), code("print(x)")))),
    Case("parameters_huge", data(notebook(code("\n".join(f"p{i} = {i}" for i in range(3000)), ["parameters"]),
                                          code("print(p2999)")))),
    Case("parameters_rebinds", data(notebook(code("x = 1\nx = x + 1", ["parameters"]), code("print(x)")))),
    # -- kernels that exit, die, fail or print a lot --------------------------------------------
    Case("sys_exit_1", data(notebook(code("import sys\nsys.exit(1)"), code("print('never')")))),
    Case("sys_exit_0", data(notebook(code("import sys\nsys.exit(0)"), code("print('never')")))),
    Case("os_exit", data(notebook(code("import os\nos._exit(0)")))),
    Case("kernel_killed", data(notebook(code("import os, signal\nos.kill(os.getpid(), signal.SIGKILL)")))),
    Case("raises", data(notebook(code("1 / 0")))),
    Case("raises_exception_tag", data(notebook(code("1 / 0", ["raises-exception"]), code("print('after')")))),
    Case("null_byte_in_code", data(notebook(code("print(1)\x00")))),
    Case("prints_10_mb", data(notebook(code("import sys\nfor _ in range(10):\n    sys.stdout.write('x' * 2**20)")))),
]
