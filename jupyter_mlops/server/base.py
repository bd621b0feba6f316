"""What every API handler shares: authentication, request models, errors, off-loop service calls."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any, TypeVar

from jupyter_server.auth.decorator import authorized
from jupyter_server.base.handlers import APIHandler
from pydantic import BaseModel, ValidationError
from tornado import web

from ..errors import MLOpsError
from .errors import ApiError, from_mlops_error, from_validation_error
from .paths import PathResolver

Model = TypeVar("Model", bound=BaseModel)
Result = TypeVar("Result")

#: Jupyter's own query parameters, accepted on every route (EventSource cannot send headers).
_AUTH_QUERY = {"token", "_xsrf"}

#: Where the API lives, under the server's base URL.
API_PREFIX = "mlops/api"

#: The resource Jupyter's authorizer is asked about for every route.
AUTH_RESOURCE = "mlops"


def protected(method: Callable) -> Callable:
    """Authenticated (token or cookie; XSRF on browser writes) and authorized: put on every verb."""
    return web.authenticated(authorized(method))


def _cache_buster(name: str, given: list[bytes]) -> bool:
    """JupyterLab's request helper may append a bare timestamp (`?1732712345678`) to a GET so no cache
    answers it: a key of digits with an empty value. Only that exact form is ignored; any other
    unknown key still fails validation."""
    return name.isascii() and name.isdigit() and given == [b""]


class MLOpsHandler(APIHandler):
    auth_resource = AUTH_RESOURCE

    async def prepare(self) -> None:
        await super().prepare()
        # A second lock behind the decorators: a verb that forgot `@protected` still refuses strangers.
        if self.current_user is None:
            raise web.HTTPError(403)

    @property
    def paths(self) -> PathResolver:
        return self.settings["mlops_paths"]

    def body(self, model: type[Model]) -> Model:
        """The JSON body validated by `model` (unknown fields and wrong types → 400 naming them)."""
        try:
            data = json.loads(self.request.body or b"null")
        except (json.JSONDecodeError, UnicodeDecodeError) as error:
            raise ApiError(400, "MalformedJSON", f"the request body is not valid JSON: {error}") from None
        except RecursionError:
            raise ApiError(400, "MalformedJSON", "the request body is JSON nested too deeply") from None
        if not isinstance(data, dict):
            raise ApiError(400, "ValidationError", "the request body must be a JSON object", field="body")
        try:
            return model.model_validate(data)
        except ValidationError as error:
            raise from_validation_error(error, where="body") from None
        except MLOpsError as error:  # a model's own validator (e.g. a cron) raising a precise error
            raise from_mlops_error(error) from None

    def query(self, model: type[Model]) -> Model:
        """The query string validated by `model`; each parameter may be given once."""
        values: dict[str, str] = {}
        for name, given in self.request.query_arguments.items():
            if name in _AUTH_QUERY or _cache_buster(name, given):
                continue
            if len(given) > 1:
                raise ApiError(400, "ValidationError", f"query field {name!r} is given {len(given)} times",
                               field=name)
            values[name] = given[0].decode("utf-8", errors="replace")
        try:
            return model.model_validate(values)
        except ValidationError as error:
            raise from_validation_error(error, where="query") from None

    async def call(self, function: Callable[..., Result], *args: Any, **kwargs: Any) -> Result:
        """Run a (blocking) service function off the event loop; its errors become API errors."""
        try:
            return await asyncio.to_thread(function, *args, **kwargs)
        except MLOpsError as error:
            raise from_mlops_error(error) from None

    def reply(self, value: Any, status: int = 200) -> None:
        self.set_status(status)
        self.set_header("Content-Type", "application/json")
        # The time spent in the server (browser devtools show it; benchmarks/api.py measures with it).
        body = value.model_dump_json() if isinstance(value, BaseModel) else json.dumps(value)
        self.set_header("Server-Timing", f"app;dur={self.request.request_time() * 1000:.2f}")
        self.finish(body)

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        error = kwargs.get("exc_info", (None, None, None))[1]
        if isinstance(error, ApiError):
            self.set_header("Content-Type", "application/json")
            self.finish(json.dumps(error.body))
        else:
            super().write_error(status_code, **kwargs)
