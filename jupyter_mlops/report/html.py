"""A run's output notebook as one HTML page, rendered with nbconvert's HTML exporter (the lab template:
outputs, images and styles inline, so the file stands alone as an email attachment or a download)."""

from __future__ import annotations

import os
import warnings
from pathlib import Path

import nbformat

from ..errors import ReportError

#: A report kept in the run folder (`--report html` on a schedule) under this name.
REPORT_FILE = "report.html"


def render_report(output_notebook: str | os.PathLike, *, no_input: bool = False, title: str | None = None) -> str:
    """The notebook as HTML; `no_input` leaves the code out (outputs only), as `jupyter nbconvert --no-input`."""
    from nbconvert import HTMLExporter  # imported when needed: it costs half a second

    path = Path(output_notebook)
    if not path.is_file():
        raise ReportError(f"no output notebook at {path}: the run has not written one yet")
    try:
        notebook = nbformat.read(path, as_version=4)
        exporter = HTMLExporter(template_name="lab", exclude_input=no_input, exclude_input_prompt=no_input,
                                exclude_output_prompt=no_input)
        resources = {"metadata": {"name": title or path.stem}}
        with warnings.catch_warnings():
            # The values jupyter_mlops.record() keeps (scrapbook's mimetype) are data, not something to show.
            warnings.filterwarnings("ignore", message=".*scrapbook.*is not able to be represented")
            body, _ = exporter.from_notebook_node(notebook, resources=resources)
    except Exception as error:  # a notebook nbconvert cannot render: say which
        raise ReportError(f"cannot render {path} as HTML: {type(error).__name__}: {error}") from None
    return body


def keep_report(run_dir: str | os.PathLike, output_notebook: str | os.PathLike, title: str | None = None) -> Path:
    """Render the report and keep it in the run folder, written whole or not at all."""
    target = Path(run_dir) / REPORT_FILE
    temporary = target.with_name(f".{REPORT_FILE}.{os.getpid()}.tmp")
    temporary.write_text(render_report(output_notebook, title=title), encoding="utf-8")
    os.replace(temporary, target)
    return target
