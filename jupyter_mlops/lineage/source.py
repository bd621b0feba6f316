"""The code a run executed: a hash of its code cells, and the git commit it came from."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import threading
from pathlib import Path

from nbformat import NotebookNode

from .model import GitState

#: Above this many tracked files, stat-ing them all to validate the cache costs about what
#: `git status` does: such repositories are asked every time.
MAX_CACHED_FILES = 5000


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


def _ask_git(folder: Path) -> GitState | None:
    commit = _git(folder, "rev-parse", "--verify", "HEAD")
    if commit is None:
        return None
    status = _git(folder, "status", "--porcelain", "--untracked-files=no")
    return GitState(commit=commit.strip(), dirty=bool(status and status.strip()))


def _stat(path: Path) -> tuple[int, int, int] | None:
    try:
        stat = path.stat()
    except OSError:
        return None
    return stat.st_mtime_ns, stat.st_size, stat.st_ino


class _Repository:
    """What `git status --untracked-files=no` depends on, as file stats: HEAD and the branch it
    names, the index, the config, and every tracked file. Equal stats, equal answer."""

    def __init__(self, folder: Path) -> None:
        # A linked worktree has a git dir of its own (HEAD, index) and shares the branches.
        layout = _git(folder, "rev-parse", "--path-format=absolute", "--git-dir", "--git-common-dir",
                      "--show-toplevel")
        lines = layout.splitlines() if layout else []
        self.git_dir, self.common_dir, self.top = map(Path, lines) if len(lines) == 3 else (None, None, None)
        self._files: list[Path] | None = None
        self._files_key: tuple | None = None

    def _tracked(self) -> list[Path] | None:
        """Tracked files; None with a submodule (its commits change no file stat here)."""
        key = _stat(self.git_dir / "index")
        if self._files_key is None or key != self._files_key:  # files are added and removed through the index
            listed = _git(self.top, "ls-files", "-z", "--stage")  # "MODE OBJECT STAGE\tPATH"
            entries = [entry.split("\t", 1) for entry in (listed or "").split("\0") if entry]
            submodule = any(info.startswith("160000") for info, _ in entries)
            self._files = None if listed is None or submodule else [self.top / path for _, path in entries]
            self._files_key = key
        return self._files

    def key(self) -> tuple | None:
        """None when the state cannot be keyed (a bare or huge repository): ask git."""
        if self.git_dir is None:
            return None
        head = self.git_dir / "HEAD"
        try:
            ref = head.read_text().removeprefix("ref:").strip()
        except OSError:
            return None
        files = self._tracked()
        if files is None or len(files) > MAX_CACHED_FILES:
            return None
        control = [head, self.git_dir / "index", self.git_dir / ref, self.common_dir / ref,
                   self.common_dir / "packed-refs", self.common_dir / "config"]
        return ref, tuple(_stat(path) for path in [*control, *files])


_lock = threading.Lock()
_repositories: dict[Path, tuple[tuple[bool, ...], _Repository]] = {}  # folder → (its .git markers, repository)
_answers: dict[Path, tuple[tuple, GitState | None]] = {}  # folder → (key, answer)


def _markers(folder: Path) -> tuple[bool, ...]:
    """A `.git` appearing or disappearing in the folder or above it changes the repository."""
    return tuple((parent / ".git").exists() for parent in (folder, *folder.parents))


def git_state(folder: Path) -> GitState | None:
    """HEAD and whether tracked files differ from it, when `folder` is inside a git work tree.

    A batch asks this once per run: the answer is kept per folder and given again, without
    running git, while HEAD, the index and every tracked file have the stats they had then.
    """
    folder = Path(folder).absolute()
    markers = _markers(folder)
    if not any(markers) and "GIT_DIR" not in os.environ:
        return None  # no repository: nothing to ask
    with _lock:
        known = _repositories.get(folder)
        if known is None or known[0] != markers:
            known = _repositories[folder] = (markers, _Repository(folder))
        repository = known[1]
        key = repository.key()
        if key is not None and folder in _answers and _answers[folder][0] == key:
            return _answers[folder][1]
    answer = _ask_git(folder)
    # Kept only if nothing changed while git ran: `git status` itself may rewrite the index
    # (refreshing its stat cache), and a file edited meanwhile may or may not be in the answer.
    with _lock:
        if key is not None and repository.key() == key:
            _answers[folder] = (key, answer)
    return answer
