"""Real servers on 127.0.0.1 for the channels: SMTP servers (aiosmtpd; plain, STARTTLS and SMTPS, each wanting a
login, TLS with a throwaway CA made here) and an HTTP receiver (Slack, webhooks)."""

from __future__ import annotations

import ipaddress
import socket
import ssl
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

# The scheduler's fixtures and helpers: an injected clock, an HTTP receiver.
from tests.schedule.conftest import Receiver, clock  # noqa: F401

SMTP_USER, SMTP_PASSWORD = "mlops", "smtp-pa55word"


class Mailbox:
    """aiosmtpd handler keeping every message it accepts, whether it came over TLS, and every login tried."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.envelopes: list[tuple[str, list[str]]] = []
        self.over_tls: list[bool] = []
        self.logins: list[tuple[str, bool]] = []  # (mechanism, accepted)

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: N802 (aiosmtpd's naming)
        self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        self.messages.append(message_from_bytes(envelope.original_content, policy=policy.default))
        self.over_tls.append(server.transport.get_extra_info("ssl_object") is not None)
        return "250 OK"

    def authenticate(self, server, session, envelope, mechanism, auth_data) -> AuthResult:
        ok = isinstance(auth_data, LoginPassword) and (auth_data.login, auth_data.password) == (
            SMTP_USER.encode(), SMTP_PASSWORD.encode())
        self.logins.append((mechanism, ok))
        # handled=False: aiosmtpd then answers a failure with 535 (handled=True would leave the client waiting).
        return AuthResult(success=ok, handled=False)


@dataclass
class TLSFiles:
    ca: Path  # the throwaway CA's certificate: what smtp_ca_file names
    cert: Path  # the server's certificate (127.0.0.1 and localhost), signed by that CA
    key: Path

    def server_context(self) -> ssl.SSLContext:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(self.cert, self.key)
        return context


@pytest.fixture(scope="session")
def tls_files(tmp_path_factory) -> TLSFiles:
    """A throwaway CA and a server certificate it signed. A CA and a leaf, not one self-signed leaf: Python 3.13's
    default context verifies strictly (X509_STRICT), which wants the key identifiers and usages a real chain has."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    folder = tmp_path_factory.mktemp("smtp-tls")
    start = datetime.now(timezone.utc) - timedelta(minutes=5)
    ca_key, server_key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "jupyter-mlops test CA")])

    def certificate(subject: x509.Name, key, *, ca: bool) -> x509.Certificate:
        builder = (x509.CertificateBuilder()
                   .subject_name(subject).issuer_name(ca_name).public_key(key.public_key())
                   .serial_number(x509.random_serial_number())
                   .not_valid_before(start).not_valid_after(start + timedelta(days=1))
                   .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
                   .add_extension(x509.KeyUsage(digital_signature=not ca, key_cert_sign=ca, crl_sign=ca,
                                                content_commitment=False, key_encipherment=False,
                                                data_encipherment=False, key_agreement=False,
                                                encipher_only=False, decipher_only=False), critical=True)
                   .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
                   .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
                                  critical=False))
        if not ca:
            builder = (builder
                       .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
                                                                   x509.DNSName("localhost")]), critical=False)
                       .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False))
        return builder.sign(ca_key, hashes.SHA256())

    ca_cert = certificate(ca_name, ca_key, ca=True)
    server_cert = certificate(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")]), server_key, ca=False)
    files = TLSFiles(ca=folder / "ca.pem", cert=folder / "server.pem", key=folder / "server-key.pem")
    files.ca.write_bytes(ca_cert.public_bytes(serialization.Encoding.PEM))
    files.cert.write_bytes(server_cert.public_bytes(serialization.Encoding.PEM))
    files.key.write_bytes(server_key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                                   serialization.NoEncryption()))
    return files


def _serve(monkeypatch, security: str, **options) -> tuple[Mailbox, Controller]:
    """A real SMTP server on a free loopback port that wants a login; the smtp_* settings point at it."""
    from jupyter_mlops.secrets import set_secret

    mailbox = Mailbox()
    # A free port found first: aiosmtpd's readiness check connects to the port it was given, so not 0.
    port = closed_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port, authenticator=mailbox.authenticate,
                            auth_required=True, **options)
    controller.start()
    set_secret("smtp-password", SMTP_PASSWORD)
    for name, value in {"SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(port),
                        "SMTP_SECURITY": security, "SMTP_USER": SMTP_USER, "SMTP_PASSWORD_SECRET": "smtp-password",
                        "SMTP_FROM": "mlops@example.org"}.items():
        monkeypatch.setenv(f"JUPYTER_MLOPS_{name}", value)
    return mailbox, controller


@pytest.fixture
def smtp(monkeypatch):
    """Plain SMTP with a login (a relay on the same machine: no TLS on loopback)."""
    mailbox, controller = _serve(monkeypatch, "none", auth_require_tls=False)
    yield mailbox
    controller.stop()


@pytest.fixture(params=["starttls", "ssl"])
def smtp_tls(request, monkeypatch, tls_files):
    """SMTP over TLS with the test CA's certificate, STARTTLS on port 587's way or TLS from the first byte (SMTPS).
    smtp_ca_file is not set: the tests choose whether the client trusts that CA."""
    if request.param == "starttls":
        # Demands STARTTLS before anything else, and offers AUTH (PLAIN, LOGIN) only over TLS.
        mailbox, controller = _serve(monkeypatch, "starttls", tls_context=tls_files.server_context(),
                                     require_starttls=True)
    else:
        # aiosmtpd's auth_require_tls looks for a STARTTLS upgrade, which SMTPS never has: the whole link is TLS.
        # Only LOGIN is offered, so smtplib's other mechanism is exercised too (it prefers PLAIN).
        mailbox, controller = _serve(monkeypatch, "ssl", ssl_context=tls_files.server_context(),
                                     auth_require_tls=False, auth_exclude_mechanism=["PLAIN"])
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
