"""The code a run executed: a hash of its code cells, and the git commit it came from."""

from __future__ import annotations

import hashlib
import json
import subprocess
from pathlib import Path

from nbformat import NotebookNode

from .model import GitState


def code_cells(notebook: NotebookNode) -> list[str]:
    return [cell.source for cell in notebook.cells if cell.cell_type == "code"]


def notebook_hash(notebook: NotebookNode) -> str:
    """Hash of the code cells' sources only: outputs, counts and metadata change on every save."""
    return hashlib.sha256(json.dumps(code_cells(notebook)).encode()).hexdigest()


def _git(folder: Path, *args: str) -> str | None:
    try:
        done = subprocess.run(["git", "-C", str(folder), *args], capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired):  # no git on this machine, or a hung filesystem
        return None
    return done.stdout if done.returncode == 0 else None


def git_state(folder: Path) -> GitState | None:
    """HEAD and whether tracked files differ from it, when `folder` is inside a git work tree."""
    commit = _git(folder, "rev-parse", "--verify", "HEAD")
    if commit is None:
        return None
    status = _git(folder, "status", "--porcelain", "--untracked-files=no")
    return GitState(commit=commit.strip(), dirty=bool(status and status.strip()))
