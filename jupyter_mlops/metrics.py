"""`record(name, value)`: a notebook states a result that jupyter-mlops keeps with the run.

The value travels as a display output in scrapbook's "glue" format, so it is readable back from
the output notebook by jupyter-mlops and by `scrapbook.read_notebook(...).scraps` alike.
"""

from __future__ import annotations

import json
from typing import Any

SCRAP_MIME = "application/scrapbook.scrap.json+json"


def record(name: str, value: Any) -> None:
    """Record a JSON-serialisable value (a metric, a count, a path) under `name`."""
    from IPython.display import display

    try:
        json.dumps(value)
    except TypeError:
        raise TypeError(f"record({name!r}, ...): the value must be JSON data (number, text, list, dict), "
                        f"got {type(value).__name__}") from None
    payload = {"name": name, "data": value, "encoder": "json", "version": 1}
    display({SCRAP_MIME: payload}, raw=True,
            metadata={"scrapbook": {"name": name, "data": True, "display": False}})


def read_records(notebook: Any) -> dict[str, Any]:
    """Every value recorded in an executed notebook; a later record of a name wins."""
    found: dict[str, Any] = {}
    for cell in notebook.get("cells", []):
        for output in cell.get("outputs", []):
            payload = output.get("data", {}).get(SCRAP_MIME)
            if payload and "name" in payload:
                found[payload["name"]] = payload.get("data")
    return found
