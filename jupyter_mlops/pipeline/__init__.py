"""What runs: a notebook's steps, dependencies, prelude and parameters.

The names are imported on first use: every kernel loads the `%%mlstep` extension, which needs
only `pipeline.declarations`, and must not pay for importing nbformat and pydantic at start.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {"Parameter": "model", "Pipeline": "model", "Step": "model",
            "parse_pipeline": "parser", "read_notebook": "parser"}

__all__ = list(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f".{_EXPORTS[name]}", __name__), name)
