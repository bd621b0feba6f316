"""Which modules the kernel fork server imports once for all the runs of a batch."""

from __future__ import annotations

import ast
import importlib.util
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the fork server imports this module, and nothing it need not
    from nbformat import NotebookNode

#: What every kernel imports while it starts (measured: a kernel's sys.modules against the
#: fork server's), heaviest first: the debugger (debugpy), the shell, and the %%mlstep
#: extension that the environment's ipython_kernel_config.json loads into each kernel.
ALWAYS = ["ipykernel.debugger", "ipykernel.ipkernel", "IPython.core.completerlib", "psutil", "tornado.queues",
          "tornado.platform.asyncio",
          "jupyter_mlops.magics"]


def _imported(source: str) -> list[str]:
    # Magic and shell lines are not Python; the rest of the cell still tells what it imports.
    code = "\n".join("" if line.lstrip().startswith(("%", "!")) else line for line in source.splitlines())
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return []
    names = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.append(node.module)
    return names


def _installed(module: str, notebook_dir: Path) -> bool:
    """Found outside the notebook's folder (a local module may change; its import may do work).

    Only the top-level package is looked up: finding a submodule would import its package here.
    """
    spec = importlib.util.find_spec(module.split(".")[0])
    if spec is None or spec.origin is None:
        return False
    return notebook_dir.resolve() not in Path(spec.origin).resolve().parents


def modules_to_preload(notebook: NotebookNode, notebook_dir: Path, configured: list[str] | None) -> list[str]:
    """`configured` if given, else every installed module the notebook's code cells import."""
    if configured is not None:
        wanted = configured
    else:
        wanted = [name for cell in notebook.cells if cell.cell_type == "code" for name in _imported(cell.source)]
        wanted = [name for name in wanted if _installed(name, notebook_dir)]
    return list(dict.fromkeys([*ALWAYS, *wanted]))
