"""File fingerprints: size, mtime and a streamed sha256, cached by (path, size, mtime).

A data file of several gigabytes is hashed once; later runs that find it with the same size
and modification time reuse the recorded hash. A declared folder is fingerprinted from the
fingerprints of the files inside it.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from . import store
from .model import FileFingerprint

CHUNK = 1 << 20


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        while chunk := stream.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _file(path: Path) -> FileFingerprint:
    stat = path.stat()
    key = str(path)
    sha = store.cached_hash(key, stat.st_size, stat.st_mtime_ns)
    if sha is None:
        sha = _sha256(path)
        store.remember_hash(key, stat.st_size, stat.st_mtime_ns, sha)
    return FileFingerprint(path=key, size=stat.st_size, mtime=stat.st_mtime, sha256=sha)


def _folder(path: Path) -> FileFingerprint:
    digest = hashlib.sha256()
    size, mtime = 0, path.stat().st_mtime
    for root, dirs, files in os.walk(path):
        dirs.sort()  # walk in a stable order so the same tree always hashes the same
        for name in sorted(files):
            child = _file(Path(root, name))
            digest.update(f"{Path(child.path).relative_to(path).as_posix()}\0{child.sha256}\n".encode())
            size += child.size or 0
            mtime = max(mtime, child.mtime or 0)
    return FileFingerprint(path=str(path), size=size, mtime=mtime, sha256=digest.hexdigest())


def fingerprint(path: str | os.PathLike) -> FileFingerprint:
    """The fingerprint of a file or folder; a missing path gets one with no size nor hash."""
    path = Path(path).absolute()
    try:
        if path.is_dir():
            return _folder(path)
        if path.is_file():
            return _file(path)
    except OSError:  # unreadable: recorded like a missing file rather than failing the run
        pass
    return FileFingerprint(path=str(path))


def fingerprint_declared(paths: list[str], base: Path) -> dict[str, FileFingerprint]:
    """Declared paths (as written in the notebook, relative to the kernel's working directory)."""
    return {declared: fingerprint(base / declared) for declared in paths}
