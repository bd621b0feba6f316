"""**Run on**: the backend (local, docker, …) and, for a container backend, its image — the same choice as
the JupyterLab dialog, from the same list the REST API's `GET backends` serves."""

from __future__ import annotations

import html

import ipywidgets as widgets

from ..service.backends import BackendState, backend_states

_STYLE = {"description_width": "140px"}
DEFAULT_BACKEND = "local"


def list_backends() -> list[BackendState]:
    """Every registered backend with its availability, asked once per panel (asking docker takes a moment)."""
    return backend_states()


def _unavailable_html(states: list[BackendState]) -> str:
    return "".join(f"<div class='jp-mlops-backend-unavailable'><small><b>{html.escape(s.name)}</b> is not available: "
                   f"{html.escape(s.detail)}</small></div>" for s in states)


class BackendChoice(widgets.VBox):
    """Segmented buttons for the available backends; an unavailable one is a disabled button whose reason is
    shown below, so it cannot be chosen. The image picker appears for a backend other than `local`."""

    def __init__(self, backends: list[BackendState]) -> None:
        self.states = {state.name: state for state in backends}
        available = [state for state in backends if state.available]
        unavailable = [state for state in backends if not state.available]
        names = [state.name for state in available]
        self.backend = widgets.ToggleButtons(
            options=names, tooltips=[state.detail for state in available], description="Run on", style=_STYLE,
            value=DEFAULT_BACKEND if DEFAULT_BACKEND in names else (names[0] if names else None))
        self.disabled_buttons = [widgets.Button(description=state.name, tooltip=state.detail, disabled=True)
                                 for state in unavailable]
        self.reasons = widgets.HTML(_unavailable_html(unavailable))
        self.image = widgets.Dropdown(description="Image", style=_STYLE, layout={"width": "420px"})
        self.backend.observe(lambda _change: self._show_images(), names="value")
        super().__init__([widgets.HBox([self.backend, *self.disabled_buttons]), self.reasons, self.image])
        self._show_images()

    def _show_images(self) -> None:
        state = self.states.get(self.backend.value)
        shown = state is not None and state.name != DEFAULT_BACKEND
        # "" stands for the backend's default image (None in the spec, as an image left out on the command line).
        self.image.options = [("Backend default", ""), *((image, image) for image in state.images)] if shown else []
        self.image.value = "" if shown else None
        self.image.layout.display = None if shown else "none"

    def values(self) -> dict[str, str | None]:
        """The spec fields for the choice: `backend` and `image` (None: the backend's default)."""
        return {"backend": self.backend.value, "image": self.image.value or None}
