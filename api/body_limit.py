"""Refuse request bodies above the configured size before reading them whole."""

from __future__ import annotations

from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.problems import ApiError, problem_response


def too_large(limit: int) -> ApiError:
    """The 413 problem for a body above ``limit`` bytes."""
    return ApiError(
        413,
        f"The request body is larger than the limit of {limit} bytes.",
        kind="body-too-large",
        title="Request body too large",
    )


class BodySizeLimitMiddleware:
    """413 when ``Content-Length`` or the bytes actually received exceed ``max_bytes``.

    A declared length above the limit is refused at once; a chunked body is counted as
    it arrives and refused as soon as it passes the limit, so a huge body is never
    held in memory.
    """

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        for name, value in scope.get("headers", ()):
            if name == b"content-length":
                try:
                    declared = int(value)
                except ValueError:
                    declared = 0
                if declared > self.max_bytes:
                    error = too_large(self.max_bytes)
                    response = problem_response(
                        Request(scope),
                        error.status,
                        error.detail,
                        kind=error.kind,
                        title=error.title,
                        headers={"Connection": "close"},
                    )
                    await response(scope, receive, send)
                    return
        received = 0

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise too_large(self.max_bytes)
            return message

        await self.app(scope, counting_receive, send)
