"""Secrets, write-only: list names, set or replace one, remove one. No reply holds a value."""

from __future__ import annotations

from ...service import secrets as service
from ..base import MLOpsHandler, protected
from ..errors import ApiError
from ..models import Secrets, SecretValue


class SecretsHandler(MLOpsHandler):
    @protected
    async def get(self) -> None:
        self.reply(Secrets(secrets=await self.call(service.list_secrets)))


class SecretHandler(MLOpsHandler):
    @protected
    async def put(self, name: str) -> None:
        request = self.body(SecretValue)
        self.reply(await self.call(service.set_secret, name, request.value))

    @protected
    async def delete(self, name: str) -> None:
        """Replies with the names left, for the dialogs' list."""
        # 404 here only: elsewhere an unset secret is a fault of the request (400).
        if name not in [entry.name for entry in await self.call(service.list_secrets)]:
            raise ApiError(404, "SecretNotFoundError", f"secret {name!r} is not set", field="name")
        await self.call(service.remove_secret, name)
        self.reply(Secrets(secrets=await self.call(service.list_secrets)))
