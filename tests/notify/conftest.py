"""Real servers on 127.0.0.1 for the channels: an SMTP server (aiosmtpd) and an HTTP receiver (Slack, webhooks)."""

from __future__ import annotations

import socket
from email import message_from_bytes, policy
from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

# The scheduler's fixtures and helpers: an injected clock, an HTTP receiver.
from tests.schedule.conftest import Receiver, clock  # noqa: F401

SMTP_USER, SMTP_PASSWORD = "mlops", "smtp-pa55word"


class Mailbox:
    """aiosmtpd handler keeping every message it accepts."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.envelopes: list[tuple[str, list[str]]] = []

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: N802 (aiosmtpd's naming)
        self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        self.messages.append(message_from_bytes(envelope.original_content, policy=policy.default))
        return "250 OK"


def _authenticate(server, session, envelope, mechanism, auth_data) -> AuthResult:
    ok = isinstance(auth_data, LoginPassword) and (auth_data.login, auth_data.password) == (
        SMTP_USER.encode(), SMTP_PASSWORD.encode())
    return AuthResult(success=ok)


@pytest.fixture
def smtp(monkeypatch):
    """A real SMTP server that wants a login; the smtp_* settings point at it (no TLS on loopback)."""
    from jupyter_mlops.secrets import set_secret

    mailbox = Mailbox()
    # A free port found first: aiosmtpd's readiness check connects to the port it was given, so not 0.
    port = closed_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port, authenticator=_authenticate,
                            auth_require_tls=False)
    controller.start()
    set_secret("smtp-password", SMTP_PASSWORD)
    for name, value in {"SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(port),
                        "SMTP_SECURITY": "none", "SMTP_USER": SMTP_USER, "SMTP_PASSWORD_SECRET": "smtp-password",
                        "SMTP_FROM": "mlops@example.org"}.items():
        monkeypatch.setenv(f"JUPYTER_MLOPS_{name}", value)
    yield mailbox
    controller.stop()


def closed_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def receiver():
    server = Receiver()
    yield server
    server.close()


@pytest.fixture(autouse=True)
def quick_retries(monkeypatch):
    """Retries a second apart (the default backoff is 30 s)."""
    monkeypatch.setenv("JUPYTER_MLOPS_NOTIFY_BACKOFF", "1")
    monkeypatch.setenv("JUPYTER_MLOPS_NOTIFY_ATTEMPTS", "3")


PARAMETERS = ("accuracy = 0.9\nlabel = 'fine'\nfail = False\nseconds = 0.0\nword = ''", ["parameters"])
BODY = ("import time\nimport jupyter_mlops\ntime.sleep(seconds)\njupyter_mlops.record('accuracy', accuracy)\n"
        "jupyter_mlops.record('label', label)\nif fail:\n    raise RuntimeError('asked to fail with ' + word)")


@pytest.fixture
def model_notebook(write_notebook):
    """Records `accuracy` (a number) and `label` (text); sleeps `seconds`; with `fail`, raises naming `word`."""
    return write_notebook([PARAMETERS, BODY], name="model.ipynb")
