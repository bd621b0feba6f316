"""**Run on**: the backend (local, docker, dask, …) and, for a container backend, its image, for a cluster
backend its cluster — the same choice as the JupyterLab dialog, from the same list the REST API's `GET backends` serves."""

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
    shown below, so it cannot be chosen. The image picker appears for a container backend, the cluster field
    (empty: the configured cluster) for a cluster backend."""

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
        self.cluster = widgets.Text(description="Cluster", placeholder="tcp://host:8786 (default: dask_scheduler)",
                                    style=_STYLE, layout={"width": "420px"})
        self.shared_path = widgets.Checkbox(description="Workers see this folder (do not ship it)", indent=False)
        self.backend.observe(lambda _change: self._show_images(), names="value")
        super().__init__([widgets.HBox([self.backend, *self.disabled_buttons]), self.reasons, self.image,
                          self.cluster, self.shared_path])
        self._show_images()

    def _show_images(self) -> None:
        state = self.states.get(self.backend.value)
        on_cluster = state is not None and state.cluster
        for field in (self.cluster, self.shared_path):
            field.layout.display = None if on_cluster else "none"
        shown = state is not None and state.name != DEFAULT_BACKEND and not on_cluster
        # "" stands for the backend's default image (None in the spec, as an image left out on the command line).
        self.image.options = [("Backend default", ""), *((image, image) for image in state.images)] if shown else []
        self.image.value = "" if shown else None
        self.image.layout.display = None if shown else "none"

    def values(self) -> dict[str, str | bool | None]:
        """The spec fields for the choice: `backend`, `image` (None: the backend's default) and, on a
        cluster backend, `cluster` (None: the configured one) and `shared_path`."""
        values: dict[str, str | bool | None] = {"backend": self.backend.value, "image": self.image.value or None}
        state = self.states.get(self.backend.value)
        if state is not None and state.cluster:
            values.update(cluster=self.cluster.value.strip() or None, shared_path=self.shared_path.value)
        return values
