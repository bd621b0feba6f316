"""Every route of the API, written as OpenAPI paths under `<base_url>/mlops/api`.

One list serves the server (which turns each path into a tornado pattern), the OpenAPI
document test and the authentication test, so a route cannot exist in one and not the others.
"""

from __future__ import annotations

import re

from jupyter_server.utils import url_path_join

from .base import API_PREFIX, MLOpsHandler
from .handlers.backends import BackendsHandler
from .handlers.batches import (BatchesHandler, BatchHandler, BatchResultsCsvHandler, BatchResultsHandler,
                               CancelBatchHandler)
from .handlers.events import EventsHandler
from .handlers.kernels import KernelsHandler
from .handlers.openapi import OpenAPIHandler
from .handlers.pipeline import PipelineHandler
from .handlers.runs import (CancelRunHandler, CompareRunsHandler, MetricsHandler, RerunHandler, RunHandler,
                            RunLogHandler, RunNotebookHandler, RunReportHandler, RunsHandler)
from .handlers.schedules import (CronPreviewHandler, PauseScheduleHandler, PinScheduleHandler, ResumeScheduleHandler,
                                 RunScheduleNowHandler, ScheduleDiffHandler, ScheduleHandler, SchedulesHandler)
from .handlers.secrets import SecretHandler, SecretsHandler

ROUTES: list[tuple[str, type[MLOpsHandler]]] = [
    ("/openapi.json", OpenAPIHandler),
    ("/pipeline", PipelineHandler),
    ("/runs", RunsHandler),
    ("/runs/{run_id}", RunHandler),
    ("/runs/{run_id}/cancel", CancelRunHandler),
    ("/runs/{run_id}/rerun", RerunHandler),
    ("/runs/{run_id}/log", RunLogHandler),
    ("/runs/{run_id}/notebook", RunNotebookHandler),
    ("/runs/{run_id}/report.html", RunReportHandler),
    ("/metrics", MetricsHandler),
    ("/runs/{run_id}/compare/{other_id}", CompareRunsHandler),
    ("/schedules", SchedulesHandler),
    # Before `{schedule_id}`, which would otherwise take "preview" for an id.
    ("/schedules/preview", CronPreviewHandler),
    ("/schedules/{schedule_id}", ScheduleHandler),
    ("/schedules/{schedule_id}/pause", PauseScheduleHandler),
    ("/schedules/{schedule_id}/resume", ResumeScheduleHandler),
    ("/schedules/{schedule_id}/run", RunScheduleNowHandler),
    ("/schedules/{schedule_id}/pin", PinScheduleHandler),
    ("/schedules/{schedule_id}/diff", ScheduleDiffHandler),
    ("/batches", BatchesHandler),
    ("/batches/{batch_id}", BatchHandler),
    ("/batches/{batch_id}/cancel", CancelBatchHandler),
    ("/batches/{batch_id}/results", BatchResultsHandler),
    ("/batches/{batch_id}/results.csv", BatchResultsCsvHandler),
    ("/backends", BackendsHandler),
    ("/kernels", KernelsHandler),
    ("/secrets", SecretsHandler),
    ("/secrets/{name}", SecretHandler),
    ("/events", EventsHandler),
]

VERBS = ("get", "post", "put", "patch", "delete")


def methods(handler: type[MLOpsHandler]) -> list[str]:
    """The HTTP verbs a handler implements (not inherited from tornado's defaults)."""
    return [verb for verb in VERBS if any(verb in vars(cls) for cls in handler.__mro__
                                          if issubclass(cls, MLOpsHandler))]


def tornado_pattern(path: str) -> str:
    """`/runs/{run_id}` → `mlops/api/runs/(?P<run_id>[^/]+)` (relative to the base URL); the rest
    is literal (`results.csv`: the dot is no wildcard)."""
    parts = re.split(r"\{(\w+)\}", path)  # literal, name, literal, name, …, literal
    return url_path_join(API_PREFIX, "".join(re.escape(part) if index % 2 == 0 else f"(?P<{part}>[^/]+)"
                                             for index, part in enumerate(parts)))
