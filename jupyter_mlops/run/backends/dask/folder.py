"""The notebook's folder as it travels to a Dask worker: a gzipped tar of what `.gitignore` keeps.

Workers share no disk with the machine that starts the run, so the kernel's working directory
goes with the task. What git would not commit (`.gitignore` files at any depth, plus `.git/`
and checkpoints) stays behind, and a folder over the size limit is refused before the run is
recorded, naming the biggest files so the user knows what to ignore.
"""

from __future__ import annotations

import io
import os
import tarfile
from pathlib import Path

import pathspec

from ....config import env_name
from ....errors import DaskFolderTooLargeError

#: Never shipped, whatever .gitignore says: git's own data and Jupyter's checkpoints.
ALWAYS_IGNORED = [".git/", ".ipynb_checkpoints/", "__pycache__/"]


def _ignore_spec(folder: Path) -> pathspec.PathSpec | None:
    """The patterns of `folder`'s own .gitignore, relative to it (git reads one per folder)."""
    ignore = folder / ".gitignore"
    if not ignore.is_file():
        return None
    return pathspec.GitIgnoreSpec.from_lines(ignore.read_text(encoding="utf-8", errors="replace").splitlines())


def shipped_files(root: Path) -> list[Path]:
    """Every file under `root` that .gitignore files (at any depth) do not exclude, sorted."""
    always = pathspec.GitIgnoreSpec.from_lines(ALWAYS_IGNORED)
    specs: list[tuple[Path, pathspec.PathSpec]] = []
    kept: list[Path] = []
    for folder, dirs, files in os.walk(root):
        here = Path(folder)
        own = _ignore_spec(here)
        if own is not None:
            specs.append((here, own))
        active = [(base, spec) for base, spec in specs if here == base or here.is_relative_to(base)]

        def ignored(path: Path, is_dir: bool) -> bool:
            relative = path.relative_to(root).as_posix() + ("/" if is_dir else "")
            if always.match_file(relative):
                return True
            return any(spec.match_file(path.relative_to(base).as_posix() + ("/" if is_dir else ""))
                       for base, spec in active)

        dirs[:] = sorted(d for d in dirs if not ignored(here / d, True) and not (here / d).is_symlink())
        kept.extend(here / f for f in sorted(files) if not ignored(here / f, False) and (here / f).is_file())
    return kept


def checked_files(root: Path, limit: int) -> list[Path]:
    """The files to ship; refused with the biggest named when they hold over `limit` bytes."""
    files = shipped_files(root)
    sizes = [(path.stat().st_size, path) for path in files]
    total = sum(size for size, _ in sizes)
    if total > limit:
        biggest = ", ".join(f"{path.relative_to(root)} ({size / 1e6:.1f} MB)"
                            for size, path in sorted(sizes, reverse=True)[:3])
        raise DaskFolderTooLargeError(
            f"{root} holds {total / 1e6:.1f} MB to ship to the Dask workers, over the limit of {limit / 1e6:.1f} MB "
            f"(setting dask_max_folder_size, {env_name('dask_max_folder_size')}); biggest: {biggest}. List what "
            "the run does not need in .gitignore, raise the limit, or use --shared-path if the workers see "
            "this folder")
    return files


def pack_folder(root: Path, limit: int) -> bytes:
    """The folder as a tar.gz (see `checked_files`)."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz", compresslevel=1) as tar:
        for path in checked_files(root, limit):
            tar.add(str(path), arcname=path.relative_to(root).as_posix(), recursive=False)
    return buffer.getvalue()


def unpack_folder(data: bytes, destination: Path) -> None:
    destination.mkdir(parents=True, exist_ok=True)
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
        tar.extractall(destination, filter="data")  # no absolute paths, links out or devices


def pack_files(root: Path, relative: list[str]) -> bytes:
    """Files (or folders) under `root` that exist, as a tar.gz: what a run wrote, on its way back."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz", compresslevel=1) as tar:
        for name in relative:
            path = root / name
            if path.exists():
                tar.add(str(path), arcname=name)
    return buffer.getvalue()
