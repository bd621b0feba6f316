"""Shared by the trust tests (and the docker ones): a notebook that leaks a secret every way it can,
and the leak check."""

from __future__ import annotations

import hashlib
import secrets
from pathlib import Path

import nbformat

from jupyter_mlops.run.model import Run, RunStatus
from jupyter_mlops.secrets import set_secret

#: Prints the secret, displays it, returns it as a result and raises with it, after recording a
#: hash of it (proof that the kernel got the value) and the plain variable MODE.
LEAKY_CELLS = [
    "import hashlib, os, jupyter_mlops\n"
    "token = os.environ['DB_TOKEN']\n"
    "jupyter_mlops.record('token_sha256', hashlib.sha256(token.encode()).hexdigest())\n"
    "jupyter_mlops.record('mode', os.environ.get('MODE'))",
    "%%mlstep leak\n"
    "print('the token is', token)\n"
    "from IPython.display import display, HTML\n"
    "display(HTML(f'<b>{token}</b>'))\n"
    "token",
    "%%mlstep fail\nraise ValueError(f'cannot connect with {token}')",
]


def set_token() -> str:
    """A fresh secret DB_TOKEN in the test's store; its value."""
    value = f"tok-{secrets.token_hex(12)}"
    set_secret("DB_TOKEN", value)
    return value


def sha256(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def files_holding(root: Path, value: str) -> list[Path]:
    """Every file under `root`, outside its secrets folder, whose bytes contain `value`."""
    needle = value.encode()
    return [path for path in root.rglob("*")
            if path.is_file() and "secrets" not in path.relative_to(root).parts[:1]
            and needle in path.read_bytes()]



def check_masked_run(record: Run, secret: str, home: Path) -> None:
    """A run of LEAKY_CELLS failed at its `fail` step, with the secret shown as *** in its error, its printed
    output and its log, and held by no file of the store `home`."""
    assert record.status == RunStatus.failed and record.failed_step == "fail"
    assert record.error == "ValueError: cannot connect with ***"
    output = nbformat.read(record.output_notebook, as_version=4)
    streams = [o.text for c in output.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "stream"]
    assert streams == ["the token is ***\n"]
    assert "the token is ***" in open(record.log_path).read()
    assert files_holding(home, secret) == []
