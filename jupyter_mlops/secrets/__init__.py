"""Trust: secrets kept in one folder (0700, files 0600) and masked in everything written.

A secret's value lives only in its file under the secrets folder; runs get it in the kernel's
environment when they start (`environment`), and every text a run writes passes a `Masker` first.

The store and the lookup are imported on first use: the run engine imports `masking` inside bare
containers that have papermill and nothing else (no traitlets config, no SQLAlchemy).
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

from .masking import MASK, Masker

_LAZY = {"SecretInfo": "store", "get_secret": "store", "list_secrets": "store", "remove_secret": "store",
         "secrets_dir": "store", "set_secret": "store", "check_secrets": "environment",
         "secret_environment": "environment"}

__all__ = ["MASK", "Masker", *_LAZY]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(import_module(f"{__name__}.{_LAZY[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
