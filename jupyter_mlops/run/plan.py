"""How a prepared notebook tells the engine what to do, in plain notebook metadata.

`run.prepare` writes it, `run.engine` (possibly inside a container, with only papermill
installed) reads it, and `run.results` reads the results back. No imports beyond the
standard library on purpose.
"""

from __future__ import annotations

from typing import Any

PLAN_KEY = "mlops"  # notebook metadata: {"steps": [options], "run_timeout": s, "results": [...], "outcome": {...}}
RESULTS_KEY = "results"
CELL_KEY = "mlops"  # cell metadata: {"step": name, "magic_line": bool}
#: notebook metadata `mlops.context`: which run this is and its previous run, for safeguards in
#: the kernel; the engine hands it to a Python kernel as this environment variable (JSON)…
CONTEXT_KEY = "context"
RUN_CONTEXT_ENV = "JUPYTER_MLOPS_RUN_CONTEXT"
#: …or, to a kernel forked ahead by a `KernelPool`, in the file this variable names.
RUN_CONTEXT_FILE_ENV = "JUPYTER_MLOPS_RUN_CONTEXT_FILE"
#: The exception class name (jupyter_mlops.errors.CheckFailedError) that ends a run `check_failed`.
CHECK_FAILED = "CheckFailedError"


def cell_step(cell: Any) -> str | None:
    return cell.get("metadata", {}).get(CELL_KEY, {}).get("step")


def code_to_execute(cell: Any) -> str:
    """The cell's source without its `%%mlstep` line, which is a declaration, not code.

    The line is blanked rather than removed so tracebacks keep the cell's line numbers.
    """
    if not cell.get("metadata", {}).get(CELL_KEY, {}).get("magic_line"):
        return cell.source
    _, _, rest = cell.source.lstrip("\n").partition("\n")
    return "\n" + rest
