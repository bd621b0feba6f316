"""**Kernel, variables and secrets** of a run, batch or schedule — the same choices as the JupyterLab
dialogs: a kernelspec of this server, `NAME=VALUE` lines, secret names (`NAME` or `VAR=NAME` lines), and the
secrets themselves managed write-only: a password field sets one, the list shows names, never values."""

from __future__ import annotations

import html
from typing import Any

import ipywidgets as widgets

from ..errors import MLOpsError
from ..service.environment import parse_env, parse_secrets
from ..service.kernels import list_kernels
from ..service.secrets import list_secrets, remove_secret, set_secret
from .feedback import Feedback

_STYLE = {"description_width": "140px"}
_LAYOUT = {"width": "420px"}


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


class SecretsManager(widgets.VBox):
    """Set (name + password field) or remove a secret; lists the names and when each was set."""

    def __init__(self) -> None:
        self.name = widgets.Text(description="Secret name", placeholder="DB_PASSWORD", style=_STYLE)
        self.value = widgets.Password(description="Value", style=_STYLE)
        self.set_button = widgets.Button(description="Set secret", icon="lock")
        self.remove_button = widgets.Button(description="Remove", icon="trash")
        self.listing = widgets.HTML()
        self.feedback = Feedback()
        self.set_button.on_click(lambda _button: self.set())
        self.remove_button.on_click(lambda _button: self.remove())
        super().__init__([widgets.HBox([self.name, self.value, self.set_button, self.remove_button]),
                          self.feedback, self.listing])
        self.show()

    def show(self) -> None:
        names = ", ".join(f"<code>{html.escape(entry.name)}</code>" for entry in list_secrets())
        self.listing.value = f"<small>Secrets set: {names or '<i>none</i>'}</small>"

    def set(self) -> None:
        try:
            entry = set_secret(self.name.value.strip(), self.value.value)
        except MLOpsError as error:
            self.feedback.error(error)
            return
        self.value.value = ""  # not kept in the widget's state once stored
        self.feedback.ok(f"Secret {entry.name} set.")
        self.show()

    def remove(self) -> None:
        try:
            remove_secret(self.name.value.strip())
        except MLOpsError as error:
            self.feedback.error(error)
            return
        self.feedback.ok(f"Secret {self.name.value.strip()} removed.")
        self.show()


class EnvironmentChoice(widgets.VBox):
    """The kernel, the environment variables and the secrets a run gets."""

    def __init__(self) -> None:
        kernels = [(f"{k.display_name} ({k.name})", k.name) for k in list_kernels()]
        self.kernel = widgets.Dropdown(options=[("The notebook's kernel", ""), *kernels], value="",
                                       description="Kernel", style=_STYLE, layout=_LAYOUT)
        self.env = widgets.Textarea(description="Variables", placeholder="NAME=VALUE, one a line", rows=2,
                                    style=_STYLE, layout=_LAYOUT)
        self.secrets = widgets.Textarea(description="Secrets", placeholder="NAME, or VAR=NAME, one a line", rows=2,
                                        style=_STYLE, layout=_LAYOUT)
        self.manager = SecretsManager()
        super().__init__([self.kernel, self.env, self.secrets, self.manager])

    def values(self) -> dict[str, Any]:
        """Spec fields; an `EnvironmentVariableError` naming a malformed line."""
        return {"kernel_name": self.kernel.value or None, "env": parse_env(_lines(self.env.value)),
                "secrets": parse_secrets(_lines(self.secrets.value))}
