"""Notebook paths from requests, confined to the server's root directory.

A request names a notebook the way the Contents API does: relative to the server's root,
with `/` separators. Nothing outside that root is ever read or run: absolute paths, `..`
components and symlinks that lead out are refused before any file is touched.
"""

from __future__ import annotations

import re
from pathlib import Path, PurePosixPath

from jupyter_core.paths import is_hidden

from .errors import ApiError

_DRIVE = re.compile(r"^[A-Za-z]:")


class PathResolver:
    """Turns API paths into real paths under `root_dir`, and back."""

    def __init__(self, root_dir: str, *, allow_hidden: bool) -> None:
        self.root = Path(root_dir).resolve()
        self._allow_hidden = allow_hidden  # the contents manager's: the API hides what Jupyter hides

    def resolve(self, path: str, *, must_exist: bool = True, field: str = "path") -> Path:
        """The real path of the notebook `path` names; 403 when it leaves the root, 404 when absent."""
        if not path or "\x00" in path:
            raise ApiError(400, "PathError", "a notebook path is required (relative to the server root)",
                           field=field)
        posix = PurePosixPath(path.replace("\\", "/"))
        if posix.is_absolute() or _DRIVE.match(path):
            raise ApiError(403, "PathError", f"absolute paths are refused: {path!r} (give it relative to the "
                                             "server root)", field=field)
        if ".." in posix.parts:
            raise ApiError(403, "PathError", f"'..' is refused in notebook paths: {path!r}", field=field)
        real = (self.root / posix).resolve()
        if not real.is_relative_to(self.root):
            raise ApiError(403, "PathError", f"{path!r} leads outside the server root (through a symlink)",
                           field=field)
        if not self._allow_hidden and real != self.root and is_hidden(str(real), str(self.root)):
            raise ApiError(403, "PathError", f"{path!r} is hidden (ContentsManager.allow_hidden is off)",
                           field=field)
        if must_exist and not real.is_file():
            raise ApiError(404, "PathError", f"no notebook at {path!r}", field=field)
        return real

    def relative(self, real: str) -> str | None:
        """The API path of a file under the root, or None for one outside it (e.g. run by the CLI)."""
        resolved = Path(real)
        return resolved.relative_to(self.root).as_posix() if resolved.is_relative_to(self.root) else None
