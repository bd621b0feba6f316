"""The four channels. Each sends one message once, or raises `DeliveryError` saying whether a retry may help.

- email: SMTP with the smtp_* settings (STARTTLS, SSL or none; a login whose password is a secret), a plain
  and an HTML body, the run's HTML report attached;
- Slack: an incoming webhook whose URL is a secret, with Slack's `text` + `blocks` payload;
- webhook: the `WebhookPayload` JSON in a POST;
- command: a shell command with that JSON on stdin and MLOPS_EVENT/STATUS/SCHEDULE/RUN_ID in its environment.
"""

from __future__ import annotations

import json
import os
import smtplib
import socket
import ssl
import subprocess
import urllib.error
import urllib.request
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path

from ..config import settings
from ..errors import DeliveryError, NotifyError, SecretError
from ..secrets import Masker, get_secret
from .message import Message
from .model import Notify

USER_AGENT = "jupyter-mlops-notify"


def _secret(name: str, what: str) -> str:
    try:
        return get_secret(name)
    except SecretError as error:
        raise DeliveryError(f"{what}: {error}", transient=False) from None


def _tls_context(ca_file: str) -> ssl.SSLContext:
    """Verifying context: the system's CAs, or only the smtp_ca_file bundle (a private CA, a self-signed server)."""
    try:
        return ssl.create_default_context(cafile=ca_file or None)
    except (OSError, ssl.SSLError) as error:
        raise DeliveryError(f"email: the smtp_ca_file setting {ca_file!r} is not a readable PEM certificate "
                            f"file: {error}", transient=False) from None


def _reply(error: smtplib.SMTPResponseException) -> str:
    text = error.smtp_error
    return text.decode(errors="replace") if isinstance(text, bytes) else text


def send_email(message: Message, to: list[str]) -> None:
    config = settings()
    if not config.smtp_host:
        raise DeliveryError("email: no SMTP server is configured (set the smtp_host setting, "
                            "JUPYTER_MLOPS_SMTP_HOST)", transient=False)
    password = _secret(config.smtp_password_secret, "email") if config.smtp_password_secret else ""
    masker = Masker([password])
    sender = config.smtp_from or f"jupyter-mlops@{socket.getfqdn()}"
    mail = EmailMessage()
    mail["Subject"] = message.subject
    mail["From"] = sender
    mail["To"] = ", ".join(to)
    mail["Date"] = formatdate(localtime=True)
    mail["Message-ID"] = make_msgid(domain=sender.rsplit("@", 1)[-1])
    mail.set_content(message.text)
    mail.add_alternative(message.html, subtype="html")
    for name, content in message.attachments:
        mail.add_attachment(content, maintype="text", subtype="html", filename=name, params={"charset": "utf-8"})
    port = config.smtp_port or {"ssl": 465, "starttls": 587, "none": 25}[config.smtp_security]
    server = f"{config.smtp_host}:{port}"
    context = _tls_context(config.smtp_ca_file) if config.smtp_security != "none" else None
    try:
        if config.smtp_security == "ssl":
            client: smtplib.SMTP = smtplib.SMTP_SSL(config.smtp_host, port, timeout=config.smtp_timeout,
                                                    context=context)
        else:
            client = smtplib.SMTP(config.smtp_host, port, timeout=config.smtp_timeout)
        with client:
            if config.smtp_security == "starttls":
                client.starttls(context=context)
            if config.smtp_user:
                client.login(config.smtp_user, password)
            refused = client.send_message(mail, from_addr=sender, to_addrs=to)
    except smtplib.SMTPAuthenticationError as error:
        raise DeliveryError(masker.text(
            f"email via {server}: login as {config.smtp_user!r} refused: SMTP {error.smtp_code} "
            f"{_reply(error)} (the password is the secret {config.smtp_password_secret!r})"),
            transient=400 <= error.smtp_code < 500) from None
    except smtplib.SMTPResponseException as error:
        # 4xx: the server says try later; 5xx: it will never take this message.
        raise DeliveryError(masker.text(f"email via {server}: SMTP {error.smtp_code} {_reply(error)}"),
                            transient=400 <= error.smtp_code < 500) from None
    except smtplib.SMTPRecipientsRefused as error:
        raise DeliveryError(f"email via {server}: every recipient refused: "
                            f"{', '.join(error.recipients)}", transient=False) from None
    except smtplib.SMTPNotSupportedError as error:  # no STARTTLS or no AUTH offered: a setting to change
        raise DeliveryError(f"email via {server}: {error} (smtp_security={config.smtp_security}"
                            f"{', smtp_user=' + config.smtp_user if config.smtp_user else ''})",
                            transient=False) from None
    except ssl.SSLCertVerificationError as error:  # retrying will not make the certificate trusted
        trusted = f"the CA in smtp_ca_file {config.smtp_ca_file}" if config.smtp_ca_file else "the system's CAs"
        raise DeliveryError(f"email via {server}: the server's TLS certificate is not trusted "
                            f"({error.verify_message}; checked against {trusted}). For a private CA or a "
                            "self-signed certificate, set smtp_ca_file (JUPYTER_MLOPS_SMTP_CA_FILE) to its PEM file",
                            transient=False) from None
    except (smtplib.SMTPException, OSError) as error:  # refused connection, timeout, TLS failure, dropped link
        raise DeliveryError(masker.text(f"email via {server}: {type(error).__name__}: {error}"),
                            transient=True) from None
    if refused:
        raise DeliveryError(f"email: refused for {', '.join(refused)}", transient=False)


def _post(url: str, body: bytes, what: str, masker: Masker) -> None:
    request = urllib.request.Request(url, data=body, method="POST",
                                     headers={"Content-Type": "application/json", "User-Agent": USER_AGENT})
    try:
        with urllib.request.urlopen(request, timeout=settings().notify_timeout) as response:
            response.read()
    except urllib.error.HTTPError as error:
        raise DeliveryError(masker.text(f"{what}: HTTP {error.code} {error.reason}"),
                            transient=error.code >= 500 or error.code in (408, 429)) from None
    except (urllib.error.URLError, OSError) as error:  # refused, unreachable, timed out
        reason = error.reason if isinstance(error, urllib.error.URLError) else error
        raise DeliveryError(masker.text(f"{what}: {reason}"), transient=True) from None


def send_slack(message: Message, secret_name: str) -> None:
    url = _secret(secret_name, "slack").strip()
    if not url.startswith(("https://", "http://")):
        raise DeliveryError(f"slack: secret {secret_name!r} does not hold a URL", transient=False)
    # The URL is a credential: never in an error, a log or a record.
    _post(url, json.dumps(message.slack()).encode(), f"slack (secret {secret_name})", Masker([url]))


def send_webhook(message: Message, url: str) -> None:
    _post(url, message.json_bytes(), f"webhook {url}", Masker([]))


def run_command(message: Message, command: str) -> None:
    payload = message.payload
    env = {**os.environ, "MLOPS_EVENT": payload.event, "MLOPS_STATUS": payload.status,
           "MLOPS_SCHEDULE": payload.schedule.name if payload.schedule else "",
           "MLOPS_RUN_ID": payload.run.id if payload.run else ""}
    timeout = settings().notify_command_timeout
    try:
        result = subprocess.run(command, shell=True, input=message.json_bytes(), env=env, timeout=timeout,
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    except subprocess.TimeoutExpired:
        raise DeliveryError(f"command timed out after {timeout:g} s", transient=True) from None
    if result.returncode:
        raise DeliveryError(f"command exited {result.returncode}: "
                            f"{result.stderr.decode(errors='replace').strip()[-500:]}", transient=False)


def check_ready(notify: Notify | None, where: str) -> None:
    """Refuse at creation what would make every delivery fail: email without an SMTP server or with a missing
    smtp_ca_file, a Slack or SMTP password secret that is not set."""
    if notify is None:
        return
    config = settings()
    if notify.email and not config.smtp_host:
        raise NotifyError(f"{where}: email to {', '.join(notify.email)} needs an SMTP server: set the smtp_host "
                          "setting (JUPYTER_MLOPS_SMTP_HOST), see `jupyter-mlops config`")
    if notify.email and config.smtp_ca_file and not Path(config.smtp_ca_file).is_file():
        raise NotifyError(f"{where}: the smtp_ca_file setting {config.smtp_ca_file!r} is not a file, so no email "
                          "could be sent (JUPYTER_MLOPS_SMTP_CA_FILE, see `jupyter-mlops config`)")
    try:
        if notify.email and config.smtp_password_secret:
            get_secret(config.smtp_password_secret)
        if notify.slack_secret:
            get_secret(notify.slack_secret)
    except SecretError as error:
        raise NotifyError(f"{where}: {error}") from None
