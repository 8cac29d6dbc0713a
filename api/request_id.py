"""Request ids: every request gets one, every response and log line about it carries it.

A client may send its own ``X-Request-ID`` (up to 64 letters, digits, '.', '_' or '-');
anything else is replaced by a fresh random id.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import MutableMapping
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

REQUEST_ID_HEADER = "X-Request-ID"
_SCOPE_KEY = "optiplan.request_id"
_ACCEPTABLE = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


def request_id_of(scope: MutableMapping[str, Any]) -> str:
    """The id of the request of ``scope``, assigned on first use."""
    request_id = scope.get(_SCOPE_KEY)
    if request_id is None:
        request_id = uuid.uuid4().hex
        for name, value in scope.get("headers", ()):
            if name == b"x-request-id":
                text = value.decode("latin-1")
                if _ACCEPTABLE.match(text):
                    request_id = text
                break
        scope[_SCOPE_KEY] = request_id
    return str(request_id)


class RequestIdMiddleware:
    """Assign the request id and echo it in the ``X-Request-ID`` response header."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        header = request_id_of(scope).encode("latin-1")

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [
                    (name, value)
                    for name, value in message.get("headers", [])
                    if name.lower() != b"x-request-id"
                ]
                headers.append((b"x-request-id", header))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_id)
