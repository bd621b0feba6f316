"""From a run's `secrets` (environment variable → secret name) to the values its kernel gets.

Names are checked when a run, batch or schedule is made (`check_secrets`, nothing read); values
are read only when a run starts (`secret_environment`), held in memory, and never recorded.
"""

from __future__ import annotations

from collections.abc import Mapping

from ..errors import SecretNotFoundError
from .store import check_name, get_secret, secrets_dir


def check_secrets(secrets: Mapping[str, str]) -> None:
    """Refuse a secret name that is not valid or not set, naming it (and the variable asking for it)."""
    folder = secrets_dir()
    for variable, name in secrets.items():
        if not (folder / check_name(name)).is_file():
            raise SecretNotFoundError(f"secret {name!r} (for ${variable}) is not set: set it with "
                                      f"`jupyter-mlops secret set {name}`")


def secret_environment(secrets: Mapping[str, str]) -> dict[str, str]:
    """Each variable with its secret's value, read now (raises `SecretNotFoundError` naming an unset one)."""
    return {variable: get_secret(name) for variable, name in secrets.items()}
