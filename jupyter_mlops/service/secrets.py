"""User-facing actions on secrets: set, list, remove. Write-only: nothing here returns a value."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel

from ..secrets import store


class SecretEntry(BaseModel):
    """A secret as every face shows it: its name and when it was set, never its value."""

    name: str
    set_at: datetime


def _entry(info: store.SecretInfo) -> SecretEntry:
    return SecretEntry(name=info.name, set_at=info.set_at)


def set_secret(name: str, value: str) -> SecretEntry:
    """Store or replace a secret (a 0600 file in the secrets folder)."""
    return _entry(store.set_secret(name, value))


def list_secrets() -> list[SecretEntry]:
    return [_entry(info) for info in store.list_secrets()]


def remove_secret(name: str) -> None:
    store.remove_secret(name)
