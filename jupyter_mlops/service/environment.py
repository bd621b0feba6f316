"""A run's environment as people type it: `NAME=VALUE` for variables, `NAME` or `VAR=NAME` for
secrets. Shared by the CLI's `--env`/`--secret` and the widgets' text boxes."""

from __future__ import annotations

from collections.abc import Iterable

from ..errors import EnvironmentVariableError
from ..run.model import ENV_NAME
from ..secrets.names import SECRET_NAME


def _variable(name: str, given: str, option: str) -> str:
    if not ENV_NAME.match(name):
        raise EnvironmentVariableError(f"{option} {given!r}: {name!r} is not a valid environment variable name "
                                       "(letters, digits and '_', not starting with a digit)")
    return name


def parse_env(items: Iterable[str]) -> dict[str, str]:
    """`NAME=VALUE` items (the value may be empty or contain '=') as a mapping."""
    env: dict[str, str] = {}
    for item in items:
        name, equals, value = item.partition("=")
        if not equals:
            raise EnvironmentVariableError(f"--env {item!r} is not NAME=VALUE")
        env[_variable(name, item, "--env")] = value
    return env


def parse_secrets(items: Iterable[str]) -> dict[str, str]:
    """`NAME` (exposed as $NAME) or `VAR=NAME` (secret NAME exposed as $VAR) items: variable -> secret name."""
    secrets: dict[str, str] = {}
    for item in items:
        variable, equals, name = item.partition("=")
        if not equals:
            variable, name = item, item
        if not SECRET_NAME.match(name):
            raise EnvironmentVariableError(f"--secret {item!r}: {name!r} is not a valid secret name")
        secrets[_variable(variable, item, "--secret")] = name
    return secrets
