"""The schedule dialog's Tell fields: what a person types there is what the schedule's `notify` holds, and a
malformed entry is refused in the dialog, with its reason, for as long as it stays malformed."""

from __future__ import annotations

import re
import time

from playwright.sync_api import expect

from .lab import LabServer
from .panel import ACCEPT, DIALOG, api, open_notebook, show_panel
from .test_runs import save_when_asked
from .test_schedules import schedules_of

TELL = f'{DIALOG} fieldset[aria-label="Tell"]'


def _created(page, lab_server: LabServer, notebook: str) -> dict:
    """The schedule the dialog made: the dialog closes as the request leaves, so wait for the server's answer
    (a refusal shows as a dialog of its own)."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        found = schedules_of(lab_server, notebook)
        if found:
            [schedule] = found
            return schedule
        if page.locator(DIALOG).count():
            raise AssertionError(f"the schedule was refused: {page.locator(DIALOG).inner_text()}")
        time.sleep(0.2)
    raise AssertionError(f"no schedule of {notebook} after 30 s")


def test_tell_fields_make_the_schedules_notify(page, lab_server: LabServer, notebook: str) -> None:
    # The Slack channel names a secret holding the webhook URL (a credential); a schedule may only name one that is set.
    api(lab_server, "secrets/team-slack", "PUT", {"value": "https://hooks.slack.invalid/services/T0/B0/x"})
    open_notebook(page, notebook)
    show_panel(page).locator('[data-command="jupyter-mlops:schedule"]').click()
    save_when_asked(page)
    tell = page.locator(TELL)
    errors = tell.locator(".jp-mlops-field-error")
    accept = page.locator(ACCEPT)

    # A malformed address is refused, named, and holds the accept button only until it is mended.
    email = tell.get_by_label("Email", exact=True)
    email.fill("ana@example.org, ops@example")
    expect(errors).to_have_text("Not an email address: ops@example")
    expect(accept).to_be_disabled()
    email.fill("ana@example.org, ops@example.org")
    expect(errors).to_have_count(0)
    expect(accept).to_be_enabled()

    tell.get_by_label("Slack secret").fill("team-slack")
    # An event ticked without what it needs is refused too (a checkbox changes the form before the dialog's
    # own check of its inputs runs, which used to re-enable the button).
    tell.get_by_label("Tell when it is slow").check()
    expect(errors).to_have_text("How many seconds make a run slow?")
    expect(accept).to_be_disabled()
    tell.get_by_label("Slow after", exact=True).fill("3600")
    expect(errors).to_have_count(0)
    expect(accept).to_be_enabled()
    tell.get_by_label("Tell when a metric alerts").check()
    expect(errors).to_have_text("At least one alert, e.g. accuracy < 0.8")
    expect(accept).to_be_disabled()
    # So is an alert the server would not understand.
    alerts = tell.get_by_label("Alerts", exact=True)
    alerts.fill("accuracy below 0.8")
    expect(errors).to_have_text(re.compile(r'"accuracy < 0\.8".*: accuracy below 0\.8$'))
    expect(accept).to_be_disabled()
    alerts.fill("accuracy < 0.8")
    expect(errors).to_have_count(0)
    expect(accept).to_be_enabled()
    accept.click()
    page.locator(DIALOG).wait_for(state="detached")

    schedule = _created(page, lab_server, notebook)
    try:
        assert schedule["notify"] == {
            "email": ["ana@example.org", "ops@example.org"], "slack_secret": "team-slack", "webhook": None,
            "command": None, "events": ["failure", "slow", "alert"], "slow_after": 3600, "alerts": ["accuracy < 0.8"],
            "best_by": None,
        }
    finally:
        api(lab_server, f"schedules/{schedule['id']}", "DELETE")
        api(lab_server, "secrets/team-slack", "DELETE")
