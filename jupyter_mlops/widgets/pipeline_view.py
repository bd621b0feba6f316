"""The notebook's pipeline as the panel shows it: steps with their dependencies, and parameters."""

from __future__ import annotations

import html

import ipywidgets as widgets

from ..pipeline.model import Pipeline


def _escape(value: object) -> str:
    return html.escape(str(value))


def pipeline_html(pipeline: Pipeline) -> str:
    rows = []
    for step in pipeline.steps:
        after = ", ".join(step.after) or "—"
        cells = f"{step.cell_indices[0]}–{step.cell_indices[-1]}" if step.cell_indices else "none"
        rows.append(f"<tr><td><b>{_escape(step.name)}</b></td><td>{_escape(after)}</td><td>{cells}</td>"
                    f"<td>{step.retries}</td><td>{_escape(step.timeout or '—')}</td></tr>")
    steps = ("<table class='jp-mlops-steps'><thead><tr><th>step</th><th>after</th><th>cells</th>"
             f"<th>retries</th><th>timeout (s)</th></tr></thead><tbody>{''.join(rows)}</tbody></table>")
    note = "<p><i>No %%mlstep cell: the notebook runs whole, as one step.</i></p>" if pipeline.implicit else ""
    if pipeline.parameters:
        items = "".join(f"<li><code>{_escape(p.name)}: {_escape(p.type)} = "
                        f"{_escape(p.source if p.source is not None else repr(p.default))}</code></li>"
                        for p in pipeline.parameters)
        parameters = f"<p>Parameters (cell {pipeline.parameters_cell}):</p><ul>{items}</ul>"
    else:
        parameters = "<p>No parameters cell.</p>"
    return f"{note}{steps}{parameters}"


class PipelineView(widgets.HTML):
    def __init__(self, pipeline: Pipeline) -> None:
        super().__init__(pipeline_html(pipeline))
