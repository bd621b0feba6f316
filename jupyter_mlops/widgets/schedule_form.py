"""**Schedule**: a cron with its plain-language preview and next fire times, a timezone, the parameters, the
steps and backend each fire runs, the policies (overlap, catch-up, retries) and whom to tell — worded as in the
JupyterLab dialog; below, the notebook's schedules and the metric history of the one chosen."""

from __future__ import annotations

import html
import zoneinfo
from pathlib import Path

import ipywidgets as widgets

from ..errors import MLOpsError
from ..pipeline.model import Pipeline
from ..schedule.cron import zone
from ..schedule.model import Schedule
from ..service.backends import BackendState
from ..service.metrics import MetricHistory, metric_history
from ..service.schedules import add_schedule, list_schedules, pin_schedule, preview_cron
from .backend_choice import BackendChoice
from .environment import EnvironmentChoice
from .feedback import Feedback, error_html
from .fields import ParametersForm
from .run_form import STEPS_HINT, StepsChoice
from .tell import TellFields, history_svg

_STYLE = {"description_width": "140px"}
_POLICY_STYLE = {"description_width": "220px"}  # room for the policies' questions
_PREVIEW_COUNT = 3
# (label, ScheduleSpec value), the labels read after their question, as in the JupyterLab dialog.
OVERLAP_CHOICES = [("skip this fire", "skip"), ("queue it", "queue"), ("run both", "allow")]
CATCH_UP_CHOICES = [("run the latest once", "once"), ("run each", "all"), ("skip them", "skip")]


def _when(schedule: Schedule) -> str:
    """The next fire time in the schedule's own timezone, as its cron reads."""
    return schedule.next_fire_at.astimezone(zone(schedule.timezone)).strftime("%Y-%m-%d %H:%M %Z")


def version_text(schedule: Schedule) -> str:
    """Which notebook the fires run: the pinned version (and how the file differs), or the file."""
    if schedule.follow_file:
        return "follows the file"
    if schedule.version is None:
        return "-"
    pinned = f"pinned {schedule.version.sha256[:12]}"
    if schedule.drift and schedule.drift.differs:
        return f"{pinned}; the file differs: {schedule.drift.summary}"
    return pinned


def schedules_html(schedules: list[Schedule]) -> str:
    if not schedules:
        return "<p><i>No schedule runs this notebook yet.</i></p>"
    rows = "".join(
        f"<tr><td><b>{html.escape(s.name)}</b></td><td><code>{html.escape(s.cron)}</code> {html.escape(s.timezone)}"
        f"</td><td>{html.escape(s.description)}</td>"
        f"<td>{'paused' if s.paused else _when(s)}</td><td>{html.escape(version_text(s))}</td></tr>"
        for s in schedules)
    return ("<table class='jp-mlops-schedules'><thead><tr><th>schedule</th><th>cron</th><th>when</th>"
            f"<th>next fire</th><th>version</th></tr></thead><tbody>{rows}</tbody></table>")


class ScheduleForm(widgets.VBox):
    def __init__(self, notebook: str, pipeline: Pipeline, backends: list[BackendState]) -> None:
        self.notebook = notebook
        self.name = widgets.Text(description="Name", placeholder=Path(notebook).stem, style=_STYLE)
        self.cron = widgets.Text(value="0 3 * * *", description="Cron", placeholder="minute hour day month weekday",
                                 style=_STYLE, continuous_update=True)
        self.timezone = widgets.Combobox(value="UTC", options=sorted(zoneinfo.available_timezones()),
                                         description="Timezone", ensure_option=False, style=_STYLE)
        self.preview = widgets.HTML()
        self.parameters = ParametersForm(pipeline.parameters)
        self.steps = StepsChoice(pipeline)
        self.backend = BackendChoice(backends)
        self.environment = EnvironmentChoice()
        self.follow_file = widgets.Checkbox(description="Run the file as it is at each fire (do not pin this version)",
                                            indent=False)
        self.overlap = widgets.Dropdown(options=OVERLAP_CHOICES, value="skip",
                                        description="If the previous run still runs", style=_POLICY_STYLE)
        self.catch_up = widgets.Dropdown(options=CATCH_UP_CHOICES, value="once",
                                         description="Fires missed while no scheduler ran", style=_POLICY_STYLE)
        self.retries = widgets.BoundedIntText(value=0, min=0, max=10, description="Retries after a failure",
                                              style=_POLICY_STYLE)
        self.tell = TellFields()
        self.keep_report = widgets.Checkbox(value=False, description="Keep each run's HTML report", indent=False)
        self.button = widgets.Button(description="Add schedule", button_style="primary", icon="clock-o")
        self.feedback = Feedback()
        self.schedules = widgets.HTML()
        self.updates = widgets.VBox()  # an "Update to the current notebook" button per schedule whose file moved on
        self.history_schedule = widgets.Dropdown(description="Metrics of", style=_STYLE)
        self.history_metric = widgets.Dropdown(description="Metric", style=_STYLE)
        self.history = widgets.HTML()
        self.history_schedule.observe(lambda _change: self.show_history(), names="value")
        self.history_metric.observe(lambda _change: self.draw_history(), names="value")
        self.cron.observe(lambda _change: self.update_preview(), names="value")
        self.timezone.observe(lambda _change: self.update_preview(), names="value")
        self.button.on_click(lambda _button: self.add())
        super().__init__([self.name, self.cron, self.timezone, self.preview, self.parameters, self.steps,
                          widgets.HTML(STEPS_HINT), self.backend, self.environment, self.follow_file,
                          widgets.HTML("<b>Policies</b>"), self.overlap, self.catch_up, self.retries,
                          self.keep_report, self.tell, self.button, self.feedback,
                          widgets.HTML("<b>Schedules of this notebook</b>"), self.schedules, self.updates,
                          widgets.HBox([self.history_schedule, self.history_metric]), self.history])
        self._history: MetricHistory | None = None
        self.update_preview()
        self.show_schedules()

    def update_preview(self) -> None:
        """The cron in words and its next fire times, as `jupyter-mlops schedule preview` prints them."""
        try:
            words, fires = preview_cron(self.cron.value, self.timezone.value, _PREVIEW_COUNT)
        except MLOpsError as error:
            self.preview.value = error_html(error)
            return
        times = "".join(f"<li>{fire.strftime('%a %Y-%m-%d %H:%M %Z')}</li>" for fire in fires)
        self.preview.value = f"<p class='jp-mlops-cron-words'>{html.escape(words)}</p><p>Next:</p><ul>{times}</ul>"

    def show_schedules(self) -> None:
        notebook = str(Path(self.notebook).resolve())
        mine = [s for s in list_schedules() if s.notebook == notebook]
        self.schedules.value = schedules_html(mine)
        buttons = []
        for schedule in mine:
            if schedule.drift and schedule.drift.differs:
                button = widgets.Button(description=f"Update {schedule.name} to the current notebook",
                                        icon="refresh", layout={"width": "auto"})
                button.on_click(lambda _button, name=schedule.name: self.pin(name))
                buttons.append(button)
        self.updates.children = buttons
        chosen = self.history_schedule.value
        self.history_schedule.options = [(s.name, s.id) for s in mine]
        ids = [s.id for s in mine]
        self.history_schedule.value = chosen if chosen in ids else (ids[0] if ids else None)
        self.show_history()

    def pin(self, name: str) -> Schedule | None:
        """Pin the notebook's current content for schedule `name` (`jupyter-mlops schedule pin`)."""
        try:
            result = pin_schedule(name)
        except MLOpsError as error:
            self.feedback.error(error)
            return None
        self.feedback.ok(f"Schedule {name} now runs version {result.schedule.version.sha256[:12]}: "
                         f"{result.changes.summary}.")
        self.show_schedules()
        return result.schedule

    def show_history(self) -> None:
        """The chosen schedule's metrics over time, as the panel's schedule view draws them."""
        self._history = metric_history(schedule=self.history_schedule.value) if self.history_schedule.value else None
        numeric = self._history.numeric if self._history else []
        chosen = self.history_metric.value
        self.history_metric.options = numeric
        self.history_metric.value = chosen if chosen in numeric else (numeric[0] if numeric else None)
        self.draw_history()

    def draw_history(self) -> None:
        if self._history is None or not self.history_metric.value:
            self.history.value = "<p><i>No metrics recorded by this schedule's runs yet.</i></p>" if (
                self._history is not None) else ""
            return
        self.history.value = history_svg(self._history, self.history_metric.value)

    def add(self) -> Schedule | None:
        try:
            # A dict, not a ScheduleSpec: the service turns what pydantic refuses into one ScheduleError.
            schedule = add_schedule({"notebook": self.notebook, "name": self.name.value.strip() or None,
                                     "cron": self.cron.value, "timezone": self.timezone.value,
                                     "parameters": self.parameters.values(), "steps": self.steps.selected(),
                                     **self.backend.values(), **self.environment.values(),
                                     "follow_file": self.follow_file.value, "overlap": self.overlap.value,
                                     "catch_up": self.catch_up.value, "retries": self.retries.value,
                                     "notify": self.tell.values(),
                                     "report": "html" if self.keep_report.value else None})
        except MLOpsError as error:
            self.feedback.error(error)
            return None
        self.feedback.ok(f"Schedule {schedule.name} added: {schedule.description}; "
                         f"next fire {_when(schedule)}.")
        self.show_schedules()
        return schedule
