"""Which notebook a kernel runs, as its frontend tells it.

Its own module, light on imports, because both the `%%mlstep` extension (loaded by every
kernel) and the widgets need it, and neither face may import the other for it.
"""

from __future__ import annotations

import os
from typing import Any


def notebook_path(shell: Any) -> str | None:
    """The notebook this kernel runs, where the frontend says so (JupyterLab, VS Code)."""
    for name in ("__session__", "__vsc_ipynb_file__"):
        value = shell.user_ns.get(name)
        if isinstance(value, str) and value.endswith(".ipynb"):
            return value if os.path.isabs(value) else os.path.join(os.getcwd(), os.path.basename(value))
    return None
