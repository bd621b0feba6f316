"""Lineage tables: the file-hash cache and the environments shared between runs."""

from __future__ import annotations

import json
from datetime import datetime, timezone

from sqlalchemy import Connection, text

from ..store import db


def _create_tables(connection: Connection) -> None:
    connection.exec_driver_sql("""
        CREATE TABLE file_hashes (
            path TEXT PRIMARY KEY,
            size INTEGER NOT NULL,
            mtime_ns INTEGER NOT NULL,
            sha256 TEXT NOT NULL
        )""")
    connection.exec_driver_sql("""
        CREATE TABLE environments (
            id TEXT PRIMARY KEY,
            prefix TEXT NOT NULL,
            python TEXT NOT NULL,
            packages TEXT NOT NULL,
            captured_at TEXT NOT NULL
        )""")


db.register_migrations("lineage", [_create_tables])


def cached_hash(path: str, size: int, mtime_ns: int) -> str | None:
    """The hash recorded for this path, if the file still has the size and mtime it had then."""
    with db.reading() as connection:
        row = connection.execute(text("SELECT size, mtime_ns, sha256 FROM file_hashes WHERE path = :p"),
                                 {"p": path}).first()
    if row is None or (row[0], row[1]) != (size, mtime_ns):
        return None
    return row[2]


def remember_hash(path: str, size: int, mtime_ns: int, sha256: str) -> None:
    with db.transaction() as connection:
        connection.execute(text("INSERT OR REPLACE INTO file_hashes VALUES (:p, :s, :m, :h)"),
                           {"p": path, "s": size, "m": mtime_ns, "h": sha256})


#: (store, environment id) seen recorded by this process. An environment's row is never
#: deleted, so every run of a batch need not ask the store again.
_recorded: set[tuple[object, str]] = set()


def has_environment(env_id: str) -> bool:
    known = (db.engine(), env_id)
    if known in _recorded:
        return True
    with db.reading() as connection:
        found = connection.execute(text("SELECT 1 FROM environments WHERE id = :id"), {"id": env_id}).first()
    if found is not None:
        _recorded.add(known)
    return found is not None


def save_environment(env_id: str, prefix: str, python: str, packages: dict[str, str]) -> None:
    with db.transaction() as connection:
        connection.execute(text("INSERT OR IGNORE INTO environments VALUES (:id, :prefix, :python, :packages, :at)"),
                           {"id": env_id, "prefix": prefix, "python": python, "packages": json.dumps(packages),
                            "at": datetime.now(timezone.utc).isoformat()})
    _recorded.add((db.engine(), env_id))


def environment_packages(env_id: str) -> dict[str, str] | None:
    """name → version of a captured local environment, or None if it was never captured here."""
    with db.reading() as connection:
        row = connection.execute(text("SELECT packages FROM environments WHERE id = :id"), {"id": env_id}).first()
    return json.loads(row[0]) if row else None
