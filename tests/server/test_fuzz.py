"""A bounded schemathesis pass over the OpenAPI document against a real server: no 5xx, and every
reply matches its documented schema. Loopback only; a fixed number of cases per operation. Then a
stateful pass follows the document's links from the ids that POST runs, schedules and batches
return to every route that takes one, so the routes behind an id are fuzzed too."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
import uuid
from collections import defaultdict

import nbformat
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.core.transport import Response
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from jupyter_mlops.server.handlers.openapi import DOCUMENT
from tests.conftest import build_notebook
from tests.server.live import live_server

CASES_PER_OPERATION = 15
# A stream never ends, so a request/response fuzzer cannot judge it (test_events covers it).
UNFUZZED = {"GET /events"}


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    root = tmp_path_factory.mktemp("fuzz-root")
    nbformat.write(build_notebook([("alpha = 0.5", ["parameters"]), "%%mlstep a\nx = alpha"]), root / "nb.ipynb")
    # a run that is still running when its routes are fuzzed (cancel answers 202 once)
    nbformat.write(build_notebook(["import time\ntime.sleep(120)"]), root / "slow.ipynb")
    with live_server(root, tmp_path_factory.mktemp("fuzz-home"), tmp_path_factory.mktemp("fuzz-work"),
                     "--MLOps.run_scheduler=False") as live:
        yield live


def _operations(mode: schemathesis.GenerationMode):
    schema = schemathesis.openapi.from_dict(json.loads(DOCUMENT.read_text()))
    operations = [result.ok() for result in schema.get_all_operations() if result.ok().label not in UNFUZZED]
    if mode is schemathesis.GenerationMode.NEGATIVE:
        # Invalid input needs a typed query parameter or a body; any text is a valid path id.
        operations = [op for op in operations if list(op.query) or list(op.body)]
    return operations


@pytest.mark.parametrize("mode", [schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE],
                         ids=["valid", "invalid"])
def test_no_request_makes_the_server_fail(server, mode):
    failures = []
    for operation in _operations(mode):
        @settings(max_examples=CASES_PER_OPERATION, deadline=None, database=None, derandomize=True,
                  suppress_health_check=list(HealthCheck))
        @given(operation.as_strategy(generation_mode=mode))
        def fuzz(case):
            response = case.call(base_url=server.api, headers=server.headers, timeout=30)
            case.validate_response(response, checks=[not_a_server_error, response_schema_conformance])

        try:
            fuzz()
        except Exception as failure:  # collect every operation's failure, not just the first
            failures.append(f"{operation.label}: {failure}")
    assert not failures, "\n\n".join(failures)


#: Producers get a body that creates something (their own bodies are fuzzed above), so the links
#: from their replies lead somewhere: a run, a schedule that never fires by itself, a batch.
VALID_BODIES = {
    "POST /runs": lambda: {"path": "nb.ipynb"},
    "POST /schedules": lambda: {"name": f"fuzz-{uuid.uuid4().hex[:8]}", "notebook": "nb.ipynb",
                                "cron": "0 3 1 1 *"},
    "POST /batches": lambda: {"notebook": "nb.ipynb", "points": [{"alpha": 1.0}], "parallel": 1},
}
#: Every route that takes an id, which the stateful pass must reach with one that exists.
BEHIND_AN_ID = {f"{verb.upper()} {path}" for path, verbs in json.loads(DOCUMENT.read_text())["paths"].items()
                for verb in verbs if "{" in path}


def test_following_links_from_new_ids_reaches_every_route(server):
    """Stateful: schemathesis chains calls along the links; then each route behind an id is fuzzed
    with ids that exist (a running run, a schedule, a batch). Every one must answer 2xx at least once."""
    schema = schemathesis.openapi.from_dict(json.loads(DOCUMENT.read_text()))
    answered: dict[str, set[int]] = defaultdict(set)
    checks = [not_a_server_error, response_schema_conformance]

    class Workflow(schema.as_state_machine()):
        def before_call(self, case):
            if case.operation.label in VALID_BODIES:
                case.body = VALID_BODIES[case.operation.label]()

        def get_call_kwargs(self, case):
            return {"base_url": server.api, "headers": server.headers, "timeout": 30}

        def after_call(self, response: Response, case):
            answered[case.operation.label].add(response.status_code)

        def validate_response(self, response, case, additional_checks=None, **kwargs):
            case.validate_response(response, checks=checks)

    failures = []
    try:
        Workflow.run(settings=settings(max_examples=10, stateful_step_count=8, deadline=None, database=None,
                                       derandomize=True, suppress_health_check=list(HealthCheck)))
        ids = {"run_id": _call(server, "POST", "runs", {"path": "slow.ipynb"})["id"],
               "schedule_id": _call(server, "POST", "schedules", VALID_BODIES["POST /schedules"]())["id"],
               "batch_id": _call(server, "POST", "batches", VALID_BODIES["POST /batches"]())["id"]}
        # Destructive routes last, so the others meet the thing alive.
        operations = sorted((op.ok() for op in schema.get_all_operations() if op.ok().label in BEHIND_AN_ID),
                            key=lambda op: (op.method == "delete", "cancel" in op.path, op.label))
        for operation in operations:
            # Each POST schedules/{id}/run starts a kernel: a few are enough.
            examples = 3 if operation.path.endswith("/run") else CASES_PER_OPERATION

            @settings(max_examples=examples, deadline=None, database=None, derandomize=True,
                      suppress_health_check=list(HealthCheck))
            @given(operation.as_strategy(generation_mode=schemathesis.GenerationMode.POSITIVE))
            def fuzz(case):
                case.path_parameters = {name: ids[name] for name in case.path_parameters}
                response = case.call(base_url=server.api, headers=server.headers, timeout=30)
                answered[operation.label].add(response.status_code)
                case.validate_response(response, checks=checks)

            try:
                fuzz()
            except Exception as failure:
                failures.append(f"{operation.label}: {failure}")
    finally:
        _stop_everything_started(server)
    assert not failures, "\n\n".join(failures)
    unreached = sorted(label for label in BEHIND_AN_ID if not any(200 <= s < 300 for s in answered[label]))
    assert not unreached, f"routes never answered 2xx: {unreached}; answered: {dict(answered)}"


def _call(server, method: str, route: str, body: dict | None = None) -> dict:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(f"{server.api}/{route}", data=data, method=method,
                                     headers={**server.headers, "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=30) as reply:
            return json.loads(reply.read())
    except urllib.error.HTTPError as error:  # e.g. 409: already finished
        return json.loads(error.read() or b"null")


def _stop_everything_started(server) -> None:
    """Cancel what the pass started: its workers run in sessions of their own, past the server."""
    def call(method: str, route: str) -> dict:
        return _call(server, method, route, {} if method == "POST" else None)

    for batch in call("GET", "batches?limit=500")["batches"]:
        if batch["status"] in ("queued", "running"):
            call("POST", f"batches/{batch['id']}/cancel")
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        live = [run for run in call("GET", "runs?limit=500")["runs"] if run["status"] in ("queued", "running")]
        if not live:
            return
        for run in live:
            call("POST", f"runs/{run['id']}/cancel")
        time.sleep(1)
