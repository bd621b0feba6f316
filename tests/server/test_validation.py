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
