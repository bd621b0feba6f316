"""Email over TLS with a login, against real aiosmtpd servers on 127.0.0.1 (STARTTLS and SMTPS, each run of a test
once per kind, see `smtp_tls`): delivered with the password taken from the secret store and written nowhere; a
wrong password and an untrusted certificate are one clear recorded failure each; smtp_ca_file trusts a private CA."""

from __future__ import annotations

import logging
import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from jupyter_mlops.cli import main
from jupyter_mlops.errors import NotifyError
from jupyter_mlops.notify.delivery import deliver_channel
from jupyter_mlops.notify.message import for_test
from jupyter_mlops.run.model import RunSpec, RunStatus
from jupyter_mlops.secrets import secrets_dir, set_secret
from jupyter_mlops.service import schedules as service
from jupyter_mlops.service.runs import get_run, run_notebook
from tests.waiting import wait_for

from .conftest import SMTP_PASSWORD

# smtplib prefers PLAIN; the SMTPS server offers only LOGIN.
MECHANISM = {"starttls": "PLAIN", "ssl": "LOGIN"}


def security() -> str:
    return os.environ["JUPYTER_MLOPS_SMTP_SECURITY"]


def server() -> str:
    return f"127.0.0.1:{os.environ['JUPYTER_MLOPS_SMTP_PORT']}"


def written_outside_secrets(home: Path, value: str) -> list[Path]:
    """Files under JUPYTER_MLOPS_HOME (store database, run folders, logs) holding `value`, the secrets folder aside."""
    kept = secrets_dir().resolve()
    return [path for path in home.rglob("*") if path.is_file() and kept not in path.resolve().parents
            and value.encode() in path.read_bytes()]


def test_a_metric_alert_is_mailed_over_tls_with_the_password_from_the_secret_store_and_nowhere_else(
        model_notebook, smtp_tls, tls_files, monkeypatch, caplog, mlops_home):
    caplog.set_level(logging.DEBUG)
    monkeypatch.setenv("JUPYTER_MLOPS_SMTP_CA_FILE", str(tls_files.ca))
    run = run_notebook(RunSpec(notebook=str(model_notebook), notify={
        "email": ["ana@example.org"], "events": ["alert"], "alerts": ["accuracy < 0.95"]}))
    assert run.status == RunStatus.succeeded
    [delivery] = wait_for(lambda: get_run(run.id).notifications, 60, "the alert's delivery")
    assert (delivery.event, delivery.channel, delivery.to, delivery.ok, delivery.attempt) == (
        "alert", "email", "ana@example.org", True, 1)
    assert smtp_tls.logins == [(MECHANISM[security()], True)]
    assert smtp_tls.over_tls == [True]
    [mail] = smtp_tls.messages
    assert smtp_tls.envelopes == [("mlops@example.org", ["ana@example.org"])]
    assert "accuracy < 0.95: now 0.9" in mail.get_body(("plain",)).get_content()
    # The password went to the server in AUTH and nowhere else.
    assert SMTP_PASSWORD not in mail.as_string()
    assert SMTP_PASSWORD not in get_run(run.id).model_dump_json()
    assert SMTP_PASSWORD not in caplog.text
    assert written_outside_secrets(mlops_home, SMTP_PASSWORD) == []


def test_a_wrong_password_is_one_recorded_failure_naming_the_server_and_not_the_password(
        model_notebook, smtp_tls, tls_files, monkeypatch, caplog, mlops_home):
    caplog.set_level(logging.DEBUG)
    monkeypatch.setenv("JUPYTER_MLOPS_SMTP_CA_FILE", str(tls_files.ca))
    wrong = "not-the-pa55word-31f9"
    set_secret("smtp-password", wrong)
    made = service.add_schedule({"notebook": str(model_notebook), "cron": "0 3 * * *", "name": "nightly",
                                 "notify": {"email": ["ana@example.org"]}})
    recorded = []
    deliver_channel("email", "ana@example.org", made.notify, for_test(made), recorded.append)
    # 535 will not change by retrying (notify_attempts is 3 in these tests).
    [failure] = recorded
    assert not failure.ok and failure.attempt == 1
    assert failure.error == (f"email via {server()}: login as 'mlops' refused: SMTP 535 5.7.8 Authentication "
                             "credentials invalid (the password is the secret 'smtp-password')")
    assert smtp_tls.logins and not any(ok for _, ok in smtp_tls.logins)  # smtplib tries each mechanism offered
    assert smtp_tls.messages == []
    assert wrong not in caplog.text and failure.error in caplog.text  # the warning says why
    assert written_outside_secrets(mlops_home, wrong) == []


def test_an_untrusted_certificate_is_refused_before_the_login_and_smtp_ca_file_trusts_its_ca(
        model_notebook, smtp_tls, tls_files, monkeypatch, tmp_path):
    made = service.add_schedule({"notebook": str(model_notebook), "cron": "0 3 * * *", "name": "nightly",
                                 "notify": {"email": ["ana@example.org"]}})

    def deliver():
        recorded = []
        deliver_channel("email", "ana@example.org", made.notify, for_test(made), recorded.append)
        return recorded

    # The system's CAs do not know the test CA: refused, once (a retry would not make it trusted).
    [refused] = deliver()
    assert not refused.ok
    assert refused.error.startswith(f"email via {server()}: the server's TLS certificate is not trusted "
                                    "(unable to get local issuer certificate; checked against the system's CAs)")
    assert "set smtp_ca_file (JUPYTER_MLOPS_SMTP_CA_FILE) to its PEM file" in refused.error
    assert smtp_tls.logins == [] and smtp_tls.messages == []  # the password never went to that server

    missing = tmp_path / "no-such-ca.pem"
    monkeypatch.setenv("JUPYTER_MLOPS_SMTP_CA_FILE", str(missing))
    [broken] = deliver()  # the file went after the schedule was made
    assert broken.error.startswith(f"email: the smtp_ca_file setting '{missing}' is not a readable PEM "
                                   "certificate file: ")

    with pytest.raises(NotifyError, match=f"the smtp_ca_file setting '{missing}' is not a file"):
        service.add_schedule({"notebook": str(model_notebook), "cron": "0 3 * * *",
                              "notify": {"email": ["ana@example.org"]}})

    monkeypatch.setenv("JUPYTER_MLOPS_SMTP_CA_FILE", str(tls_files.ca))
    [sent] = deliver()
    assert sent.ok and smtp_tls.over_tls == [True] and smtp_tls.logins == [(MECHANISM[security()], True)]
    [mail] = smtp_tls.messages
    assert mail["Subject"] == "[jupyter-mlops] test message: model.ipynb (schedule nightly)"

    shown = CliRunner().invoke(main, ["config"]).output
    [line] = [line for line in shown.splitlines() if line.startswith("smtp_ca_file ")]
    assert str(tls_files.ca) in line and "JUPYTER_MLOPS_SMTP_CA_FILE" in line
