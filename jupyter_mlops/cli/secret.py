"""`jupyter-mlops secret set|list|remove`: the secrets runs read by name. Values are never printed."""

from __future__ import annotations

import sys

import click

from ..errors import SecretError
from ..service import secrets as service
from .common import echo_json, example


@click.group("secret", epilog=example("""
printf %s "$DB_PASSWORD" | jupyter-mlops secret set DB_PASSWORD
jupyter-mlops run etl.ipynb --secret DB_PASSWORD
jupyter-mlops schedule add etl.ipynb --cron '0 3 * * *' --secret PGPASSWORD=DB_PASSWORD"""))
def secret_group() -> None:
    """Secrets for runs (kept in 0600 files under <home>/secrets; masked as *** in everything written)."""


@secret_group.command("set", epilog=example('printf %s "$DB_PASSWORD" | jupyter-mlops secret set DB_PASSWORD'))
@click.argument("name")
def set_command(name: str) -> None:
    """Store secret NAME: the value is read from stdin, or asked for (hidden) on a terminal."""
    if sys.stdin.isatty():
        value = click.prompt(f"value of {name}", hide_input=True, confirmation_prompt=True, err=True)
    else:
        value = sys.stdin.read()
        if value.endswith("\n") and not value.endswith("\n\n"):
            value = value[:-1]  # `echo value |` adds one newline that is not part of the value
    if not value:
        raise SecretError(f"secret {name!r}: no value given on stdin")
    entry = service.set_secret(name, value)
    click.echo(f"secret {entry.name} set", err=True)


@secret_group.command("list", epilog=example("jupyter-mlops secret list --json"))
@click.option("--json", "as_json", is_flag=True, help="As JSON: names and when each was set.")
def list_command(as_json: bool) -> None:
    """Names of the secrets and when each was set (never their values)."""
    entries = service.list_secrets()
    if as_json:
        echo_json(entries)
        return
    for entry in entries:
        click.echo(f"{entry.name}\t{entry.set_at:%Y-%m-%d %H:%M:%S %Z}")


@secret_group.command("remove", epilog=example("jupyter-mlops secret remove DB_PASSWORD"))
@click.argument("name")
def remove_command(name: str) -> None:
    """Delete secret NAME; runs that need it then stop before they start, naming it."""
    service.remove_secret(name)
    click.echo(f"secret {name} removed", err=True)
