"""jupyter-mlops: turn a working notebook into a production pipeline without leaving it.

Kept light on purpose: kernels import this package at start (the IPython extension), and
containers import `jupyter_mlops.run.engine` with only papermill installed.
"""

from __future__ import annotations

from typing import Any

from .checks.data import check
from .checks.previous import compare_metric_with_previous, compare_with_previous
from .metrics import record

__version__ = "0.1.0"
__all__ = ["record", "check", "compare_with_previous", "compare_metric_with_previous", "load_ipython_extension"]


def load_ipython_extension(ipython: Any) -> None:
    """Register `%%mlstep` and `%mlsteps` (loaded automatically in every kernel; see README)."""
    from .magics import register

    register(ipython)


def _jupyter_labextension_paths() -> list[dict[str, str]]:
    return [{"src": "labextension", "dest": "jupyter-mlops"}]
