"""**Run now**: the typed parameters form, an optional choice of steps, and a button that starts a run."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import ipywidgets as widgets

from ..errors import MLOpsError
from ..pipeline.model import Pipeline
from ..run.model import Run, RunSpec
from ..service.backends import BackendState
from ..service.runs import start_run
from .backend_choice import BackendChoice
from .environment import EnvironmentChoice
from .feedback import Feedback
from .fields import ParametersForm
from .tell import TellFields

STEPS_HINT = "<small>No step selected: the whole pipeline runs.</small>"


class StepsChoice(widgets.SelectMultiple):
    """Steps to run, with everything they depend on; none selected runs the whole pipeline."""

    def __init__(self, pipeline: Pipeline) -> None:
        super().__init__(options=[step.name for step in pipeline.steps], description="Steps",
                         rows=min(len(pipeline.steps), 6), style={"description_width": "140px"})
        self.disabled = pipeline.implicit

    def selected(self) -> list[str] | None:
        return list(self.value) or None


class RunForm(widgets.VBox):
    def __init__(self, notebook: str, pipeline: Pipeline, backends: list[BackendState],
                 on_started: Callable[[Run], None]) -> None:
        self.notebook = notebook
        self.on_started = on_started
        self.parameters = ParametersForm(pipeline.parameters)
        self.steps = StepsChoice(pipeline)
        self.backend = BackendChoice(backends)
        self.environment = EnvironmentChoice()
        self.output_copy = widgets.Text(description="Save a copy to", style={"description_width": "140px"},
                                        placeholder="optional, e.g. result-out.ipynb (relative to the notebook)",
                                        layout={"width": "560px"})
        self.tell = TellFields()
        self.button = widgets.Button(description="Run now", button_style="primary", icon="play")
        self.feedback = Feedback()
        self.button.on_click(lambda _button: self.run())
        super().__init__([self.parameters, self.steps, widgets.HTML(STEPS_HINT), self.backend, self.environment,
                          self.output_copy, self.tell, self.button, self.feedback])

    def _output_copy(self) -> str | None:
        """papermill's output path; a relative one is taken from the notebook's folder, where the user sees it
        (and where, under the server root, the runs table can link it)."""
        text = self.output_copy.value.strip()
        if not text or "://" in text:
            return text or None
        return str(Path(self.notebook).parent / text)

    def run(self) -> Run | None:
        """Start a run in a worker process of its own (as `jupyter-mlops run` would), and return its record."""
        try:
            run = start_run(RunSpec(notebook=self.notebook, parameters=self.parameters.values(),
                                    steps=self.steps.selected(), output_path=self._output_copy(),
                                    notify=self.tell.values(), **self.backend.values(),
                                    **self.environment.values()))
        except MLOpsError as error:
            self.feedback.error(error)
            return None
        self.feedback.ok(f"Run {run.id} started.")
        self.on_started(run)
        return run
