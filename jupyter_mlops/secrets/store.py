"""The secret store: one file per secret in the secrets folder (the `secrets_dir` setting, else
`<home>/secrets`), the folder mode 0700 and each file 0600, written atomically so a reader never
sees half a value. Nothing else in the store ever holds a value."""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from ..config import settings
from ..errors import SecretError, SecretNotFoundError
from ..store.db import home
from .names import SECRET_NAME as _NAME


@dataclass(frozen=True)
class SecretInfo:
    name: str
    set_at: datetime


def secrets_dir() -> Path:
    """The secrets folder, created 0700 (and tightened to 0700 if it was more open)."""
    configured = settings().secrets_dir
    folder = Path(configured) if configured else home() / "secrets"
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    if folder.stat().st_mode & 0o077:
        folder.chmod(0o700)
    return folder


def check_name(name: str) -> str:
    if not _NAME.match(name or ""):
        raise SecretError(f"secret name {name!r} is not valid: use letters, digits, '_', '.', '-', "
                          "starting with a letter or '_'")
    return name


def _path(name: str) -> Path:
    return secrets_dir() / check_name(name)


def set_secret(name: str, value: str) -> SecretInfo:
    """Store (or replace) a secret. The value is never echoed, logged or returned."""
    path = _path(name)
    if not value:
        raise SecretError(f"secret {name!r}: the value is empty")
    temporary = path.with_name(f".{name}.{os.getpid()}.tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            handle.write(value)
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    return _info(path)


def get_secret(name: str) -> str:
    path = _path(name)
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SecretNotFoundError(f"secret {name!r} is not set: set it with `jupyter-mlops secret set {name}`"
                                  ) from None


def _info(path: Path) -> SecretInfo:
    return SecretInfo(path.name, datetime.fromtimestamp(path.stat().st_mtime, tz=timezone.utc))


def list_secrets() -> list[SecretInfo]:
    """Names and when each was set, never values."""
    return sorted((_info(p) for p in secrets_dir().iterdir() if p.is_file() and _NAME.match(p.name)),
                  key=lambda info: info.name)


def remove_secret(name: str) -> None:
    try:
        _path(name).unlink()
    except FileNotFoundError:
        raise SecretNotFoundError(f"secret {name!r} is not set") from None
