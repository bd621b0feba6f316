"""Malformed JSON, wrong types and unknown fields are 400s whose message names the field."""

from __future__ import annotations

import json

import pytest

WRITES = ["runs", "pipeline", "schedules", "batches"]


async def _post_raw(jp_fetch, route: str, body: bytes) -> tuple[int, dict]:
    response = await jp_fetch("mlops", "api", route, method="POST", body=body, raise_error=False)
    return response.code, json.loads(response.body)


@pytest.mark.parametrize("route", WRITES)
@pytest.mark.parametrize("body", [b"{", b"\xff\xfe", b"[1, 2]", b'"text"', b""])
async def test_bodies_that_are_not_a_json_object(jp_fetch, route, body):
    status, error = await _post_raw(jp_fetch, route, body)
    assert status == 400 and error["error"] in ("MalformedJSON", "ValidationError"), error


@pytest.mark.parametrize(("route", "body", "field"), [
    ("runs", {"path": "a.ipynb", "paramters": {}}, "paramters"),
    ("runs", {"path": 3}, "path"),
    ("runs", {"path": "a.ipynb", "parameters": [1]}, "parameters"),
    ("runs", {"path": "a.ipynb", "steps": [1, {}]}, "steps.0"),
    ("pipeline", {"content": {}, "path": "a.ipynb"}, "path"),
    ("pipeline", {"content": "x"}, "content"),
    ("schedules", {"notebook": "a.ipynb", "cron": "0 3 * * *", "overlap": "sometimes"}, "overlap"),
    ("schedules", {"notebook": "a.ipynb", "cron": "0 3 * * *", "notify": {"email": "x"}}, "notify.email"),
    ("batches", {"notebook": "a.ipynb", "points": [{}], "parallel": 0}, "parallel"),
])
async def test_wrong_types_and_unknown_fields_name_the_field(jp_fetch, route, body, field):
    status, error = await _post_raw(jp_fetch, route, json.dumps(body).encode())
    assert status == 400 and error["error"] == "ValidationError"
    assert error["field"] == field and repr(field) in error["message"], error


async def test_a_query_field_given_twice_is_refused(jp_fetch):
    response = await jp_fetch("mlops", "api", "runs", params=[("limit", "1"), ("limit", "2")], raise_error=False)
    error = json.loads(response.body)
    assert response.code == 400 and error["field"] == "limit" and "2 times" in error["message"]



@pytest.fixture
def get_raw(http_server_client, jp_base_url, jp_serverapp):
    """GET a route with its query string exactly as written (jp_fetch would escape a bare key)."""

    async def get(route: str) -> tuple[int, dict]:
        response = await http_server_client.fetch(
            f"{jp_base_url}mlops/api/{route}", raise_error=False,
            headers={"Authorization": f"token {jp_serverapp.identity_provider.token}"})
        return response.code, json.loads(response.body)

    return get


@pytest.mark.parametrize("route", ["batches?1732712345678", "runs?limit=1&1732712345678",
                                   "schedules/preview?cron=0+3+*+*+*&1732712345678"])
async def test_jupyterlabs_bare_timestamp_on_a_get_is_ignored(get_raw, route):
    """JupyterLab's request helper may append `?<milliseconds>` so that no cache answers a GET."""
    status, reply = await get_raw(route)
    assert status == 200, reply


@pytest.mark.parametrize("query", ["bogus=1", "bogus", "1732712345678=5", "12a4", "1732712345678&1732712345678"])
async def test_other_unknown_query_keys_are_still_refused(get_raw, query):
    status, error = await get_raw(f"batches?{query}")
    assert status == 400 and error["error"] == "ValidationError", error
    assert error["field"] == query.split("=")[0].split("&")[0], error
