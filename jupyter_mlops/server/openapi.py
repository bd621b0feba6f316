"""The OpenAPI document, built from the routes and the pydantic models that are the contract.

The built document is kept in the repository (openapi.json, served at `mlops/api/openapi.json`);
`python -m jupyter_mlops.server.openapi` rewrites it after a change, and a test fails while
the file, the models and the registered routes disagree.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from ..batch.model import BatchResults, BatchSpec
from ..notify.model import WebhookPayload
from ..schedule.model import ScheduleSpec
from ..service.metrics import MetricHistory
from ..service.lineage import RunComparison
from . import models
from .base import API_PREFIX
from .handlers.openapi import DOCUMENT
REF = "#/components/schemas/{model}"


@dataclass(frozen=True)
class Operation:
    summary: str
    query: type[BaseModel] | None = None
    body: type[BaseModel] | None = None
    reply: type[BaseModel] | None = None  # None: the media type's free-form content
    status: int = 200
    errors: tuple[int, ...] = (400,)
    media: str = "application/json"


OPERATIONS: dict[tuple[str, str], Operation] = {
    ("/openapi.json", "get"): Operation("This document", errors=()),
    ("/pipeline", "get"): Operation(
        "The pipeline a saved notebook declares, or its errors with their cells", query=models.PipelineQuery,
        reply=models.PipelineReport, errors=(400, 403, 404)),
    ("/pipeline", "post"): Operation(
        "The pipeline of unsaved notebook content", body=models.PipelineContent, reply=models.PipelineReport),
    ("/runs", "get"): Operation(
        "Runs, newest first, filtered and paginated", query=models.RunsQuery, reply=models.RunPage,
        errors=(400, 403)),
    ("/runs", "post"): Operation(
        "Start a run of a notebook under the server root", body=models.StartRun, reply=models.RunOut, status=201,
        errors=(400, 403, 404)),
    ("/runs/{run_id}", "get"): Operation("One run with its per-step status", reply=models.RunOut, errors=(404,)),
    ("/runs/{run_id}/cancel", "post"): Operation(
        "Cancel a queued or running run", reply=models.RunOut, status=202, errors=(404, 409)),
    ("/runs/{run_id}/rerun", "post"): Operation(
        "Start a new run of exactly what this run executed: its input notebook snapshot (not the notebook file "
        "as it is now), parameters, image and secrets' names; the reply lists declared inputs that changed since",
        reply=models.RerunOut, status=201, errors=(400, 404)),
    ("/runs/{run_id}/log", "get"): Operation(
        "The run's log from a byte offset (live tail)", query=models.LogQuery, reply=models.LogChunk,
        errors=(400, 404)),
    ("/runs/{run_id}/notebook", "get"): Operation("The run's output notebook (nbformat JSON)", errors=(404,)),
    ("/runs/{run_id}/report.html", "get"): Operation(
        "The run's output notebook as HTML (nbconvert), served under a sandboxing Content-Security-Policy: no "
        "script from the notebook runs in the server's origin", query=models.ReportQuery, media="text/html",
        errors=(400, 404)),
    ("/metrics", "get"): Operation(
        "Every metric a schedule's or a notebook's finished runs recorded, oldest first, with each run's status "
        "and the schedule's alert thresholds", query=models.MetricsQuery, reply=MetricHistory,
        errors=(400, 403, 404)),
    ("/runs/{run_id}/compare/{other_id}", "get"): Operation(
        "Two runs compared: lineage (parameters, code, data, environment, metrics) and the output notebooks "
        "cell by cell (nbdime)", reply=RunComparison, errors=(404,)),
    ("/schedules", "get"): Operation("Every schedule, by name, with its next fire", reply=models.Schedules,
                                     errors=()),
    ("/schedules", "post"): Operation(
        "Create a schedule of a notebook under the server root (`notebook` relative to it; `notify.command` "
        "is refused: nothing from a request runs as code)", body=ScheduleSpec,
        reply=models.ScheduleOut, status=201, errors=(400, 403, 404)),
    ("/schedules/preview", "get"): Operation(
        "A cron in words and its next three fire times", query=models.CronQuery, reply=models.CronPreview),
    ("/schedules/{schedule_id}", "get"): Operation("One schedule (by id or name)", reply=models.ScheduleOut,
                                                   errors=(404,)),
    ("/schedules/{schedule_id}", "patch"): Operation(
        "Change some fields; a new cron or timezone re-plans the next fire", body=models.ScheduleUpdate,
        reply=models.ScheduleOut, errors=(400, 404)),
    ("/schedules/{schedule_id}", "delete"): Operation(
        "Delete a schedule (its runs stay)", reply=models.ScheduleOut, errors=(404,)),
    ("/schedules/{schedule_id}/pause", "post"): Operation("Pause: no fires until resumed",
                                                          reply=models.ScheduleOut, errors=(404,)),
    ("/schedules/{schedule_id}/resume", "post"): Operation(
        "Resume from the next cron time", reply=models.ScheduleOut, errors=(404,)),
    ("/schedules/{schedule_id}/run", "post"): Operation(
        "Start one run of the schedule now", reply=models.RunOut, status=201, errors=(400, 404)),
    ("/schedules/{schedule_id}/pin", "post"): Operation(
        "Pin the notebook's current content (\"Update to the current notebook\"): later fires run it. Refused, "
        "the old version kept, when it no longer parses or takes the schedule's parameters",
        reply=models.PinOut, errors=(400, 403, 404)),
    ("/schedules/{schedule_id}/diff", "get"): Operation(
        "How the notebook file differs from the pinned version (nbdime, as text)", reply=models.ScheduleDiff,
        errors=(400, 403, 404)),
    ("/batches", "get"): Operation(
        "Batches, newest first, with run counts by status, optionally one notebook's", query=models.BatchesQuery,
        reply=models.BatchPage, errors=(400, 403)),
    ("/batches", "post"): Operation(
        "Start a batch: one run per parameter set (`notebook` relative to the server root)", body=BatchSpec,
        reply=models.BatchOut, status=201, errors=(400, 403, 404)),
    ("/batches/{batch_id}", "get"): Operation("One batch with its run counts by status", reply=models.BatchOut,
                                              errors=(404,)),
    ("/batches/{batch_id}/cancel", "post"): Operation(
        "Cancel a queued or running batch: finished runs are kept, the others cancelled (a running batch's "
        "worker records it `cancelled` shortly after)", reply=models.BatchOut, status=202, errors=(404, 409)),
    ("/batches/{batch_id}/results", "get"): Operation(
        "Parameters × metrics × status × duration, one row per run", query=models.ResultsQuery,
        reply=BatchResults, errors=(400, 404)),
    ("/batches/{batch_id}/results.csv", "get"): Operation(
        "The same table as CSV (parameters, metrics, status, duration, run_id), as a file to save",
        query=models.ResultsQuery, media="text/csv", errors=(400, 404)),
    ("/backends", "get"): Operation("Where runs can execute, and whether each can now", reply=models.Backends,
                                    errors=()),
    ("/kernels", "get"): Operation("The kernelspecs a run, batch or schedule can choose", reply=models.Kernels,
                                   errors=()),
    ("/secrets", "get"): Operation("Secret names and when each was set (never a value)", reply=models.Secrets,
                                   errors=()),
    ("/secrets/{name}", "put"): Operation(
        "Set or replace a secret; write-only: the reply, like every reply, holds no value",
        body=models.SecretValue, reply=models.SecretEntry, errors=(400,)),
    ("/secrets/{name}", "delete"): Operation("Remove a secret; replies with the names left", reply=models.Secrets,
                                             errors=(400, 404)),
    ("/events", "get"): Operation(
        "Server-sent events: `ready`, then `run` (RunOut), `batch` (BatchOut), `schedule` (ScheduleOut) and "
        "`schedule-removed` (`{id}`) as they change",
        media="text/event-stream", errors=()),
}

#: OpenAPI links: a reply that carries an id (`$response.body#/id`) → every route taking that id,
#: so clients (and the fuzzer's stateful phase) can follow a new run, schedule or batch.
PRODUCES: dict[tuple[str, str], str] = {
    ("/runs", "post"): "run_id",
    ("/schedules/{schedule_id}/run", "post"): "run_id",
    ("/schedules", "post"): "schedule_id",
    ("/schedules/{schedule_id}", "patch"): "schedule_id",
    ("/batches", "post"): "batch_id",
}


def _links(produced: str) -> dict[str, dict]:
    return {f"{verb}{_name(path)}": {"operationId": f"{verb}{_name(path)}",
                                     "parameters": {produced: "$response.body#/id"}}
            for path, verb in OPERATIONS if re.findall(r"\{(\w+)\}", path) == [produced]}


_ERROR = {
    "type": "object",
    "required": ["error", "message"],
    "properties": {
        "error": {"type": "string", "description": "Error class, e.g. ParameterError"},
        "message": {"type": "string"},
        "field": {"type": "string", "description": "The request field at fault"},
        "fields": {"type": "array", "items": {"type": "object", "properties": {
            "field": {"type": "string"}, "message": {"type": "string"}}}},
        "cell_index": {"type": "integer"},
        "cell_line": {"type": "string"},
        "step": {"type": "string"},
    },
}


def _query_parameters(model: type[BaseModel], schemas: dict[str, Any]) -> list[dict]:
    schema = model.model_json_schema(ref_template=REF)
    schemas.update(schema.pop("$defs", {}))
    required = set(schema.get("required", []))
    return [{"name": name, "in": "query", "required": name in required, "schema": _not_null(field)}
            for name, field in schema["properties"].items()]


def _not_null(field: dict) -> dict:
    """A query string cannot say null: an optional parameter is simply left out."""
    variants = [v for v in field.get("anyOf", []) if v != {"type": "null"}]
    if len(variants) != 1:
        return field
    rest = {k: v for k, v in field.items() if k != "anyOf" and not (k == "default" and v is None)}
    return {**variants[0], **rest}


def _content(media: str, schema: dict) -> dict:
    return {media: {"schema": schema}}


def build_document() -> dict:
    bodies = [(op.body, "validation") for op in OPERATIONS.values() if op.body]
    replies = [(op.reply, "serialization") for op in OPERATIONS.values() if op.reply]
    # WebhookPayload is no route's: it documents what a schedule's, batch's or run's webhook receives.
    refs, top = models_json_schema(bodies + replies + [(WebhookPayload, "serialization")], ref_template=REF)
    schemas: dict[str, Any] = dict(top.get("$defs", {}))
    paths: dict[str, dict] = {}
    for (path, verb), op in OPERATIONS.items():
        operation: dict[str, Any] = {"summary": op.summary, "operationId": f"{verb}{_name(path)}"}
        parameters = [{"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
                      for name in re.findall(r"\{(\w+)\}", path)]
        if op.query:
            parameters += _query_parameters(op.query, schemas)
        if parameters:
            operation["parameters"] = parameters
        if op.body:
            operation["requestBody"] = {"required": True,
                                        "content": _content("application/json", refs[(op.body, "validation")])}
        reply = refs[(op.reply, "serialization")] if op.reply else (
            {"type": "string"} if op.media.startswith("text/") else {"type": "object"})
        responses = {str(op.status): {"description": op.summary, "content": _content(op.media, reply)}}
        if (path, verb) in PRODUCES:
            responses[str(op.status)]["links"] = _links(PRODUCES[(path, verb)])
        for status in (*op.errors, 403):
            responses[str(status)] = {"description": _STATUS_TEXT[status],
                                      "content": _content("application/json", {"$ref": REF.format(model="Error")})}
        operation["responses"] = responses
        paths.setdefault(path, {})[verb] = operation
    schemas["Error"] = _ERROR
    return {
        "openapi": "3.1.0",
        "info": {"title": "jupyter-mlops", "version": "1",
                 "description": "Pipelines, runs, schedules and batches of notebooks, under the Jupyter "
                                "server's base URL. Every route needs the server's token or a logged-in "
                                "cookie (with XSRF for writes)."},
        "servers": [{"url": f"/{API_PREFIX}"}],
        "security": [{"token": []}, {"cookie": []}],
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {
                "token": {"type": "apiKey", "in": "header", "name": "Authorization",
                          "description": "`token <the server's token>`"},
                "cookie": {"type": "apiKey", "in": "cookie", "name": "username-<host>-<port>"},
            },
        },
    }


_STATUS_TEXT = {400: "Invalid request (names the field)", 403: "Not authenticated, or a path outside the root",
                404: "Not found", 409: "Not possible in the current state"}


def _name(path: str) -> str:
    words = re.findall(r"[A-Za-z]+", re.sub(r"\{\w+\}", "one", path).replace(".json", ""))
    return "".join(word.capitalize() for word in words)


def render() -> str:
    return json.dumps(build_document(), indent=2, sort_keys=False) + "\n"


if __name__ == "__main__":
    DOCUMENT.write_text(render())
    print(f"wrote {DOCUMENT}")
