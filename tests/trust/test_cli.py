"""The secret commands and the bad input of the issue, through the CLI: one-line errors naming the
thing at fault, nothing recorded, no value printed."""

from __future__ import annotations

import stat

import pytest
from click.testing import CliRunner

from jupyter_mlops.cli import main
from jupyter_mlops.secrets import get_secret, secrets_dir
from jupyter_mlops.service.batches import list_batches
from jupyter_mlops.service.runs import list_runs
from jupyter_mlops.service.schedules import list_schedules

VALUE = "tok-cli-0a1b2c3d"


def invoke(*args: str, input: str | None = None):
    return CliRunner().invoke(main, list(args), input=input)


def test_secret_set_list_remove_never_print_the_value():
    done = invoke("secret", "set", "DB_TOKEN", input=VALUE + "\n")
    assert done.exit_code == 0 and VALUE not in done.output
    assert get_secret("DB_TOKEN") == VALUE  # the newline `echo` adds is not part of it
    assert stat.S_IMODE((secrets_dir() / "DB_TOKEN").stat().st_mode) == 0o600
    assert stat.S_IMODE(secrets_dir().stat().st_mode) == 0o700
    listed = invoke("secret", "list")
    assert listed.output.startswith("DB_TOKEN\t") and VALUE not in listed.output
    assert VALUE not in invoke("secret", "list", "--json").output
    assert invoke("secret", "remove", "DB_TOKEN").exit_code == 0
    gone = invoke("secret", "remove", "DB_TOKEN")
    assert gone.exit_code == 1 and "SecretNotFoundError: secret 'DB_TOKEN' is not set" in gone.output
    empty = invoke("secret", "set", "DB_TOKEN", input="")
    assert empty.exit_code == 1 and "no value given" in empty.output


@pytest.mark.parametrize("args, message", [
    (["--env", "MODE"], "EnvironmentVariableError: --env 'MODE' is not NAME=VALUE"),
    (["--env", "1MODE=x"], "'1MODE' is not a valid environment variable name"),
    (["--secret", "PG=../etc"], "'../etc' is not a valid secret name"),
    (["--secret", "NOT_SET"], "SecretNotFoundError: secret 'NOT_SET' (for $NOT_SET) is not set"),
    (["-k", "cobol"], "UnknownKernelError: kernel 'cobol' is not installed here; available: "),
])
@pytest.mark.parametrize("command", ["run", "batch", "schedule"])
def test_bad_input_is_refused_naming_it_and_records_nothing(write_notebook, command, args, message):
    notebook = str(write_notebook([("n = 1", ["parameters"]), "print(n)"]))
    words = {"run": ["run", notebook], "batch": ["batch", notebook, "-p", "n", "1,2"],
             "schedule": ["schedule", "add", notebook, "--cron", "0 3 * * *"]}[command]
    done = invoke(*words, *args)
    assert done.exit_code != 0 and message in done.output, done.output
    assert len([line for line in done.output.splitlines() if "Error" in line]) == 1  # (batch: a progress bar too)
    assert list_runs()[1] == 0 and list_batches()[1] == 0 and list_schedules() == []
