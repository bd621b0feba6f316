"""Where the panel's notebook is, and how to link a file so the user can open it.

The notebook's path comes from what the frontend gives the kernel (`session.notebook_path`).
Links to output notebooks are JupyterLab URLs when the file lies under the root of the
Jupyter server this kernel belongs to (found in the runtime directory the server shares with
its kernels), and plain file paths otherwise: a run folder outside the root cannot be served.
"""

from __future__ import annotations

import html
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

from ..session import notebook_path


@dataclass(frozen=True)
class JupyterServer:
    root_dir: Path
    base_url: str  # e.g. "/" or "/user/ada/", with its trailing slash


def kernel_notebook_path(shell: Any = None) -> str | None:
    """The notebook of the running kernel, or None outside a kernel or when the frontend does not say."""
    if shell is None:
        from IPython import get_ipython

        shell = get_ipython()
    return notebook_path(shell) if shell is not None else None


def find_server(notebook: str | os.PathLike) -> JupyterServer | None:
    """The running Jupyter server whose root holds `notebook`, preferring this kernel's parent."""
    from jupyter_server.serverapp import list_running_servers

    notebook = Path(notebook).resolve()
    servers = sorted(list_running_servers(), key=lambda info: info.get("pid") != os.getppid())
    for info in servers:
        root = Path(info.get("root_dir") or info.get("notebook_dir") or "/").resolve()
        if notebook.is_relative_to(root):
            return JupyterServer(root, info.get("base_url", "/"))
    return None


def file_link(path: str, server: JupyterServer | None, label: str | None = None) -> str:
    """HTML for a file: a JupyterLab link (opens in a new tab) when the server can serve it, else its path."""
    label = html.escape(label or Path(path).name)
    resolved = Path(path).resolve()
    if server is not None and resolved.is_relative_to(server.root_dir):
        url = f"{server.base_url}lab/tree/{quote(resolved.relative_to(server.root_dir).as_posix())}"
        return f'<a href="{html.escape(url)}" target="_blank" title="{html.escape(path)}">{label}</a>'
    return f'<code title="{html.escape(path)}">{html.escape(path)}</code>'
