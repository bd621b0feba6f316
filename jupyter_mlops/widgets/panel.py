"""`panel()`: the whole in-notebook UI for one notebook, or a prompt for its path when the kernel cannot tell."""

from __future__ import annotations

import html
import os
from pathlib import Path

import ipywidgets as widgets

from ..errors import MLOpsError
from ..service.runs import get_pipeline
from .backend_choice import list_backends
from .batch_view import BatchView
from .feedback import Feedback
from .location import find_server, kernel_notebook_path
from .pipeline_view import PipelineView
from .run_form import RunForm
from .runs_table import RunsTable
from .schedule_form import ScheduleForm

TABS = ("Pipeline", "Run now", "Schedule", "Batch")


class MLOpsPanel(widgets.VBox):
    """Tabs for the pipeline and the actions on it, above the notebook's runs.

    **Reload** re-reads the notebook from disk (save it first), as the CLI would read it.
    """

    def __init__(self, notebook: str | os.PathLike) -> None:
        self.notebook = str(Path(notebook).resolve())
        self.server = find_server(self.notebook)
        self.title = widgets.HTML(f"<h3 style='margin: 4px 0'>jupyter-mlops · {html.escape(Path(self.notebook).name)}"
                                  "</h3>")
        self.reload_button = widgets.Button(description="Reload", icon="refresh",
                                            tooltip="Read the saved notebook again")
        self.reload_button.on_click(lambda _button: self.reload())
        self.feedback = Feedback()
        self.tabs = widgets.Tab()
        self.runs = RunsTable(self.notebook, self.server)
        super().__init__([widgets.HBox([self.title, self.reload_button]), self.feedback, self.tabs, self.runs])
        self.add_class("jp-mlops-widget")
        self.reload()

    def reload(self) -> None:
        try:
            pipeline = get_pipeline(self.notebook)
        except MLOpsError as error:
            # A notebook mid-edit may not parse: say why, keep the runs, let the user fix it and reload.
            self.feedback.error(error)
            self.tabs.children = []
            return
        self.feedback.clear()
        backends = list_backends()  # asked again on Reload, e.g. once the Docker engine is started
        self.run_form = RunForm(self.notebook, pipeline, backends, on_started=lambda _run: self.runs.follow())
        self.schedule_form = ScheduleForm(self.notebook, pipeline, backends)
        self.batch_view = BatchView(self.notebook, pipeline, backends, on_started=lambda _batch: self.runs.follow())
        self.tabs.children = [PipelineView(pipeline), self.run_form, self.schedule_form, self.batch_view]
        self.tabs.titles = TABS
        self.runs.follow()


class PathPrompt(widgets.VBox):
    """Asks for the notebook's path, then becomes the panel for it."""

    def __init__(self) -> None:
        self.path = widgets.Text(description="Notebook", placeholder="path/to/notebook.ipynb",
                                 layout={"width": "520px"})
        self.button = widgets.Button(description="Open", button_style="primary")
        self.feedback = Feedback()
        self.button.on_click(lambda _button: self.open())
        intro = widgets.HTML("This kernel does not know which notebook it belongs to. Which notebook should "
                             "the panel show?")
        super().__init__([intro, widgets.HBox([self.path, self.button]), self.feedback])

    def open(self) -> MLOpsPanel | None:
        path = self.path.value.strip()
        if not path.endswith(".ipynb") or not Path(path).is_file():
            self.feedback.value = f"<i>No notebook at {html.escape(path or '(empty)')}.</i>"
            return None
        panel = MLOpsPanel(path)
        self.children = [panel]
        return panel


def panel(path: str | os.PathLike | None = None) -> MLOpsPanel | PathPrompt:
    """The controls for `path`, else for the notebook this kernel runs, else a prompt for its path."""
    path = path or kernel_notebook_path()
    return MLOpsPanel(path) if path else PathPrompt()
