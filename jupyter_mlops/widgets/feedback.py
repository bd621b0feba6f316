"""One line under a form that says what an action did, or which error the service layer raised."""

from __future__ import annotations

import html

import ipywidgets as widgets

from ..errors import MLOpsError


def error_html(error: MLOpsError) -> str:
    # The same one-line form as the CLI: the class name says which kind of problem it is.
    return (f'<span class="jp-mlops-error" style="color: var(--jp-error-color1, #d32f2f)">'
            f'{html.escape(type(error).__name__)}: {html.escape(str(error))}</span>')


class Feedback(widgets.HTML):
    def ok(self, text: str) -> None:
        self.value = f'<span class="jp-mlops-ok">{html.escape(text)}</span>'

    def error(self, error: MLOpsError) -> None:
        self.value = error_html(error)

    def clear(self) -> None:
        self.value = ""
