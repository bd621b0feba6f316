"""**Tell**: email, Slack and webhook channels and the events that use them, as in the JupyterLab dialog; and a
schedule's metric history drawn over time (failed runs marked, alert thresholds dashed) as an SVG."""

from __future__ import annotations

import html
from typing import Any

import ipywidgets as widgets

from ..notify.model import Notify, parse_notify
from ..service.metrics import MetricHistory

_STYLE = {"description_width": "140px"}
_WIDE = {"width": "560px"}
# (label, event), worded as in the JupyterLab dialog.
EVENT_CHOICES = [("it fails", "failure"), ("it succeeds", "success"), ("it is slow", "slow"),
                 ("a metric alerts", "alert")]


class TellFields(widgets.VBox):
    """The channels; with `events`, also when to use them (a batch tells once, when it ends)."""

    def __init__(self, *, events: bool = True) -> None:
        self.email = widgets.Text(description="Email", placeholder="ana@example.org, …", style=_STYLE, layout=_WIDE)
        self.slack_secret = widgets.Text(description="Slack secret", style=_STYLE, layout=_WIDE,
                                         placeholder="name of the secret holding the webhook URL")
        self.webhook = widgets.Text(description="Webhook", placeholder="https://…", style=_STYLE, layout=_WIDE)
        self.events = {event: widgets.Checkbox(value=event == "failure", description=f"when {label}", indent=False)
                       for label, event in EVENT_CHOICES}
        self.slow_after = widgets.BoundedFloatText(value=0, min=0, max=10**7, description="Slow after (s)",
                                                   style=_STYLE)
        self.alerts = widgets.Textarea(description="Alerts", placeholder="accuracy < 0.8 (one a line)",
                                       style=_STYLE, layout=_WIDE, rows=2)
        children: list[widgets.Widget] = [widgets.HTML("<b>Tell</b>"), self.email, self.slack_secret, self.webhook]
        if events:
            children += [widgets.HBox(list(self.events.values())), self.slow_after, self.alerts]
        self.with_events = events
        super().__init__(children)

    def values(self) -> Notify | None:
        """The channels asked for (None: none), checked as the service checks them (NotifyError)."""
        given: dict[str, Any] = {
            "email": [part for part in self.email.value.replace(";", ",").replace(" ", ",").split(",") if part],
            "slack_secret": self.slack_secret.value.strip() or None, "webhook": self.webhook.value.strip() or None}
        if not any(given.values()):
            return None
        if self.with_events:
            given.update(events=[event for event, box in self.events.items() if box.value],
                         slow_after=self.slow_after.value or None,
                         alerts=[line.strip() for line in self.alerts.value.splitlines() if line.strip()])
        return parse_notify(given)


_BOX = {"width": 420, "height": 180, "left": 44, "bottom": 22, "pad": 12}
_FAILED = {"failed", "check_failed", "timed_out", "lost"}


def history_svg(history: MetricHistory, metric: str) -> str:
    """One metric of a schedule's runs over time: a dot per run, a cross per failed one, dashed thresholds."""
    points = [(p, float(p.metrics[metric])) for p in history.points
              if isinstance(p.metrics.get(metric), (int, float)) and not isinstance(p.metrics.get(metric), bool)]
    if not points:
        return f"<p><i>No run recorded a number for {html.escape(metric)} yet.</i></p>"
    limits = [t for t in history.thresholds if t.metric == metric and t.op != "changes by"]
    values = [v for _, v in points] + [t.value for t in limits]
    times = [p.at.timestamp() for p, _ in points]
    box = _BOX

    def scale(low: float, high: float, start: float, end: float):
        return (lambda _v: (start + end) / 2) if high == low else (lambda v: start + (v - low) / (high - low) * (end - start))

    to_x = scale(min(times), max(times), box["left"] + box["pad"], box["width"] - box["pad"])
    to_y = scale(min(values), max(values), box["height"] - box["bottom"] - box["pad"], box["pad"])
    bottom = box["height"] - box["bottom"]
    parts = [f"<line x1='{box['left']}' y1='{bottom}' x2='{box['width']}' y2='{bottom}' stroke='#999'/>",
             f"<line x1='{box['left']}' y1='0' x2='{box['left']}' y2='{bottom}' stroke='#999'/>"]
    for value in (min(values), max(values)):
        parts.append(f"<text x='{box['left'] - 4}' y='{to_y(value) + 3:.1f}' font-size='9' text-anchor='end'>"
                     f"{value:.4g}</text>")
    for threshold in limits:
        y = to_y(threshold.value)
        parts.append(f"<line class='threshold' x1='{box['left']}' y1='{y:.1f}' x2='{box['width']}' y2='{y:.1f}' "
                     f"stroke='#d80' stroke-dasharray='4 3'/><text x='{box['width'] - 2}' y='{y - 3:.1f}' "
                     f"font-size='9' text-anchor='end'>alert {html.escape(threshold.op)} {threshold.value:g}</text>")
    line = " ".join(f"{to_x(t):.1f},{to_y(v):.1f}" for t, (_, v) in zip(times, points))
    parts.append(f"<polyline points='{line}' fill='none' stroke='#48c' stroke-width='1.5'/>")
    for t, (point, value) in zip(times, points):
        x, y = to_x(t), to_y(value)
        title = f"<title>{point.at:%Y-%m-%d %H:%M} {point.status.value}: {value:g}</title>"
        if point.status.value in _FAILED:
            parts.append(f"<path class='failed' data-run='{point.run_id}' d='M{x - 4:.1f},{y - 4:.1f}L{x + 4:.1f},"
                         f"{y + 4:.1f}M{x - 4:.1f},{y + 4:.1f}L{x + 4:.1f},{y - 4:.1f}' stroke='#c22' "
                         f"stroke-width='2'>{title}</path>")
        else:
            parts.append(f"<circle data-run='{point.run_id}' cx='{x:.1f}' cy='{y:.1f}' r='4' fill='#36a'>{title}"
                         "</circle>")
    first, last = points[0][0].at, points[-1][0].at
    parts.append(f"<text x='{to_x(times[0]):.1f}' y='{box['height'] - 6}' font-size='9'>{first:%Y-%m-%d}</text>")
    if len(points) > 1:
        parts.append(f"<text x='{to_x(times[-1]):.1f}' y='{box['height'] - 6}' font-size='9' text-anchor='end'>"
                     f"{last:%Y-%m-%d}</text>")
    return (f"<svg class='jp-mlops-history' viewBox='0 0 {box['width']} {box['height']}' width='{box['width']}' "
            f"role='img' aria-label='{html.escape(metric)} over time'>{''.join(parts)}</svg>")
