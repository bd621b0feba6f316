"""Every route refuses strangers; notebook paths never leave the server root (parameters are data:
see test_runs)."""

from __future__ import annotations

import json
import os
import re
from urllib.parse import urlencode

import pytest
from tornado.httpclient import HTTPClientError

from jupyter_mlops.server.routes import API_PREFIX, ROUTES, methods


def _every_route() -> list[tuple[str, str]]:
    return [(verb.upper(), re.sub(r"\{\w+\}", "some-id", path)) for path, handler in ROUTES
            for verb in methods(handler)]


@pytest.mark.parametrize(("method", "path"), _every_route())
async def test_every_route_refuses_an_unauthenticated_request(jp_fetch, method, path):
    body = json.dumps({}) if method in ("POST", "PATCH", "PUT") else None
    with pytest.raises(HTTPClientError) as refused:
        # An empty Authorization header replaces jp_fetch's token: the request carries no credentials.
        await jp_fetch(*API_PREFIX.split("/"), *path.strip("/").split("/"), method=method, body=body,
                       headers={"Authorization": ""})
    assert refused.value.code == 403


async def test_a_cookie_session_needs_xsrf_to_write(jp_fetch, jp_serverapp, notebook):
    """A browser session (cookie auth) cannot be made to start a run by another site."""
    cookies = await _browser_login(jp_fetch, jp_serverapp.identity_provider.token)
    path = notebook()
    headers = {"Authorization": "", "Cookie": "; ".join(f"{k}={v}" for k, v in cookies.items())}
    status = await _post_runs(jp_fetch, path, headers)
    assert status == 403
    status = await _post_runs(jp_fetch, path, {**headers, "X-XSRFToken": cookies["_xsrf"]})
    assert status == 201


async def _browser_login(jp_fetch, token: str) -> dict[str, str]:
    """Log in through Jupyter's login form, as a browser does; returns the session's cookies."""
    cookies: dict[str, str] = {}

    def keep(response) -> None:
        for header in response.headers.get_list("Set-Cookie"):
            name, _, rest = header.partition("=")
            cookies[name] = rest.split(";", 1)[0]

    keep(await jp_fetch("login", method="GET", headers={"Authorization": ""}))
    form = urlencode({"password": token, "_xsrf": cookies["_xsrf"]})
    keep(await jp_fetch("login", method="POST", body=form, follow_redirects=False, raise_error=False,
                        headers={"Authorization": "", "Cookie": f"_xsrf={cookies['_xsrf']}"}))
    return cookies


async def _post_runs(jp_fetch, path: str, headers: dict) -> int:
    response = await jp_fetch(*API_PREFIX.split("/"), "runs", method="POST", body=json.dumps({"path": path}),
                              headers=headers, raise_error=False)
    return response.code


@pytest.mark.parametrize("path", [
    "../outside.ipynb",
    "inner/../../outside.ipynb",
    "/etc/passwd",
    "\\etc\\passwd",
    "C:/Windows/win.ini",
    "link/outside.ipynb",
    "escape.ipynb",
])
async def test_paths_leaving_the_root_are_refused(api, notebook, jp_root_dir, tmp_path_factory, path):
    outside = tmp_path_factory.mktemp("outside")
    (outside / "outside.ipynb").write_text(json.dumps(json.loads(open(jp_root_dir / notebook()).read())))
    os.symlink(outside, jp_root_dir / "link")
    os.symlink(outside / "outside.ipynb", jp_root_dir / "escape.ipynb")

    for method, route, body, params, field in (("GET", "pipeline", None, {"path": path}, "path"),
                                               ("POST", "runs", {"path": path}, {}, "path"),
                                               ("GET", "runs", None, {"notebook": path}, "notebook")):
        status, error = await api(method, route, body, **params)
        assert (status, error["field"]) == (403, field), (route, error)
    _, page = await api("GET", "runs")
    assert page["total"] == 0  # nothing outside the root was recorded, let alone run


async def test_symlinks_inside_the_root_are_followed(api, notebook, jp_root_dir):
    os.symlink(jp_root_dir / notebook(), jp_root_dir / "alias.ipynb")
    status, report = await api("GET", "pipeline", path="alias.ipynb")
    assert status == 200 and report["pipeline"]


async def test_hidden_notebooks_stay_hidden(api, notebook):
    status, _ = await api("GET", "pipeline", path=notebook(name=".secret/train.ipynb"))
    assert status == 403
