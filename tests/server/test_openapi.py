"""The kept OpenAPI document agrees with the models and with the routes the server registers."""

from __future__ import annotations

import json

from jupyter_mlops.server.base import API_PREFIX
from jupyter_mlops.server.handlers.openapi import DOCUMENT
from jupyter_mlops.server.openapi import OPERATIONS, render
from jupyter_mlops.server.routes import ROUTES, methods, tornado_pattern


def _routes() -> set[tuple[str, str]]:
    return {(path, verb) for path, handler in ROUTES for verb in methods(handler)}


def test_the_kept_document_is_current():
    assert DOCUMENT.read_text() == render(), "run: python -m jupyter_mlops.server.openapi"


def test_every_route_is_documented_and_nothing_else():
    document = json.loads(DOCUMENT.read_text())
    documented = {(path, verb) for path, operations in document["paths"].items() for verb in operations}
    assert documented == _routes() == set(OPERATIONS)


async def test_the_server_registers_exactly_these_routes(jp_serverapp, jp_base_url):
    """What tornado actually routes under the API prefix, not just what the list says."""
    rules = [rule for host in jp_serverapp.web_app.default_router.rules for rule in host.target.rules]
    patterns = {rule.matcher.regex.pattern for rule in rules if API_PREFIX in rule.matcher.regex.pattern}
    expected = {f"{jp_base_url}{tornado_pattern(path)}" for path, _ in ROUTES}
    assert {p.rstrip("$") for p in patterns} == expected


async def test_served_document_points_at_this_server(api):
    status, document = await api("GET", "openapi.json")
    assert status == 200 and document["servers"] == [{"url": f"/a%40b/{API_PREFIX}"}]
    assert document["paths"] == json.loads(DOCUMENT.read_text())["paths"]
