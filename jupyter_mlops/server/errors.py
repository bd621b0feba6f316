"""How errors reach API clients: one JSON shape with the status that fits.

Body: `{"error": <kind>, "message": <one line>, ...}` plus, when known, `field` (the request
field at fault), `fields` (every invalid field), `cell_index`/`cell_line`/`step` (so the
panel can put a pipeline error against its cell).
"""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError
from tornado.web import HTTPError

from ..errors import (BatchNotFoundError, BatchStateError, MLOpsError, PipelineError, RunNotFoundError,
                      RunStateError, ScheduleNotFoundError)


class ApiError(HTTPError):
    """An error with a JSON body; an `HTTPError` so tornado logs it as a warning, not a crash."""

    def __init__(self, status: int, kind: str, message: str, **details: Any) -> None:
        super().__init__(status, "%s", message)
        self.body = {"error": kind, "message": message, **{k: v for k, v in details.items() if v is not None}}


#: Statuses other than 400; any other MLOpsError is something wrong with the request.
_STATUS: dict[type[MLOpsError], int] = {
    RunNotFoundError: 404,
    ScheduleNotFoundError: 404,
    BatchNotFoundError: 404,
    RunStateError: 409,
    BatchStateError: 409,
}


def from_mlops_error(error: MLOpsError) -> ApiError:
    status = next((code for kind, code in _STATUS.items() if isinstance(error, kind)), 400)
    details: dict[str, Any] = {}
    if isinstance(error, PipelineError):
        details = {"cell_index": error.cell_index, "cell_line": error.cell_line or None, "step": error.step}
    return ApiError(status, type(error).__name__, str(error), **details)


def _location(location: tuple) -> str:
    return ".".join(str(part) for part in location) or "body"


def from_validation_error(error: ValidationError, *, where: str) -> ApiError:
    """A 400 that names every field at fault (`where` is "body" or "query")."""
    fields = [{"field": _location(e["loc"]), "message": e["msg"]} for e in error.errors()]
    message = "; ".join(f"{where} field {f['field']!r}: {f['message']}" for f in fields)
    return ApiError(400, "ValidationError", message, field=fields[0]["field"] if fields else None, fields=fields)


def refuse_commands(notify: dict | None) -> None:
    """Nothing from a request is ever run as code: a notification command (of a schedule, batch or run) is set
    from the CLI or a schedules file, never through the API (webhooks are data and stay allowed)."""
    if notify and notify.get("command"):
        raise ApiError(400, "ValidationError", "body field 'notify.command': shell commands cannot be set through "
                                               "the API; use a webhook, or the jupyter-mlops CLI",
                       field="notify.command")
