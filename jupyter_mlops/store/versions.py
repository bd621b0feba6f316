"""Notebook versions: the exact bytes of a notebook, content-addressed by sha256, kept under
`<home>/versions/<sha256>.ipynb`, with when it was first kept and the git commit (and whether
the work tree was dirty) of the repository it was read from, if any.

Schedules pin one; a run that names a version (`RunSpec.notebook_version`) executes it
instead of whatever its notebook file holds by then.
"""

from __future__ import annotations

import hashlib
import os
from datetime import datetime, timezone
from pathlib import Path

from nbformat import NotebookNode
from pydantic import BaseModel, Field
from sqlalchemy import Connection, text

from ..errors import NotebookVersionNotFoundError
from ..lineage.source import git_state
from ..pipeline import read_notebook
from . import db


class NotebookVersion(BaseModel):
    sha256: str = Field(description="Of the notebook file's bytes")
    notebook: str = Field(description="The file it was read from")
    created_at: datetime
    git_commit: str | None = Field(default=None, description="HEAD of the notebook's repository, if in one")
    git_dirty: bool | None = Field(default=None, description="Tracked files differed from that commit")


def _create_table(connection: Connection) -> None:
    connection.exec_driver_sql("""
        CREATE TABLE notebook_versions (
            sha256 TEXT PRIMARY KEY,
            notebook TEXT NOT NULL,
            created_at REAL NOT NULL,
            git_commit TEXT,
            git_dirty INTEGER
        )""")


db.register_migrations("notebook_versions", [_create_table])


def versions_dir() -> Path:
    return db.home() / "versions"


#: (path, inode, size, mtime) -> sha256: listing thousands of schedules hashes each notebook once.
_hashes: dict[tuple, str] = {}


def file_sha256(path: str | os.PathLike) -> str:
    stat = os.stat(path)
    key = (str(path), stat.st_ino, stat.st_size, stat.st_mtime_ns)
    if key not in _hashes:
        _hashes[key] = hashlib.sha256(Path(path).read_bytes()).hexdigest()
    return _hashes[key]


def keep_version(path: str | os.PathLike) -> NotebookVersion:
    """Keep the notebook's current content (once per content) and return its version.

    The notebook is read and checked first: a file that is not a notebook is never kept.
    """
    path = Path(path).resolve()
    read_notebook(path)
    content = path.read_bytes()
    sha = hashlib.sha256(content).hexdigest()
    target = version_path(sha)
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        temporary = target.with_name(f".{sha}.{os.getpid()}.tmp")
        temporary.write_bytes(content)
        os.replace(temporary, target)  # readers never see half a version
    git = git_state(path.parent)
    with db.transaction() as connection:
        connection.execute(text(
            "INSERT OR IGNORE INTO notebook_versions (sha256, notebook, created_at, git_commit, git_dirty)"
            " VALUES (:sha, :notebook, :now, :commit, :dirty)"),
            {"sha": sha, "notebook": str(path), "now": datetime.now(timezone.utc).timestamp(),
             "commit": git.commit if git else None, "dirty": int(git.dirty) if git else None})
    return get_version(sha)


def get_version(sha: str) -> NotebookVersion:
    with db.reading() as connection:
        row = connection.execute(text("SELECT * FROM notebook_versions WHERE sha256 = :sha"), {"sha": sha}).first()
    if row is None:
        raise NotebookVersionNotFoundError(f"notebook version {sha[:12]} is not in the store")
    return NotebookVersion(sha256=row.sha256, notebook=row.notebook,
                           created_at=datetime.fromtimestamp(row.created_at, timezone.utc),
                           git_commit=row.git_commit, git_dirty=None if row.git_dirty is None else bool(row.git_dirty))


def version_path(sha: str) -> Path:
    return versions_dir() / f"{sha}.ipynb"


def read_version(sha: str) -> NotebookNode:
    """The version's notebook; `NotebookVersionNotFoundError` when its file has gone from the store."""
    path = version_path(sha)
    if not path.is_file():
        raise NotebookVersionNotFoundError(
            f"notebook version {sha[:12]} has gone from the store ({path} is missing); "
            f"pin the current notebook again with `jupyter-mlops schedule pin`")
    return read_notebook(path)
