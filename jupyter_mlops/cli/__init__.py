"""`jupyter-mlops` (also `jupyter mlops`): a thin face over the service layer.

Each command group lives in its own module, registered by name in `main`'s
`lazy_subcommands` (cli/common.py) and imported only when used.
"""

from .common import main

__all__ = ["main"]
