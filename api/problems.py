"""RFC 9457 problem details: the one shape of every error response.

Every error the API returns is ``application/problem+json``: ``type``, ``title``,
``status``, ``detail``, ``instance`` (the request path) and ``request_id`` (also in the
``X-Request-ID`` header). Validation problems add ``errors``, one ``{in, path, message}``
per bad field. A client never sees a stack trace: an unexpected exception is logged
with the request id and answered with a bare 500 problem that carries the same id.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Mapping, Sequence
from http import HTTPStatus
from typing import Any, Literal

import sqlalchemy.exc
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from api.request_id import REQUEST_ID_HEADER, request_id_of
from models.validation import format_path

logger = logging.getLogger("optiplan.api")

PROBLEM_MEDIA_TYPE = "application/problem+json"
#: Prefix of the problem type URIs this API defines (RFC 9457, section 3.1.1).
PROBLEM_TYPE_PREFIX = "urn:optiplan:problem:"


class FieldError(BaseModel):
    """One bad field of a request: where it is and what is wrong."""

    model_config = ConfigDict(extra="forbid")

    in_: Literal["body", "query", "path", "header", "cookie"] = Field(
        alias="in", description="Which part of the request holds the field."
    )
    path: str = Field(
        description="Path of the field inside that part, e.g. 'projects[0].tasks[3].id' "
        "('' for the part as a whole).",
    )
    message: str = Field(description="What is wrong, in a sentence.")


class Problem(BaseModel):
    """An RFC 9457 problem details document."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "type": "urn:optiplan:problem:invalid-request",
                    "title": "Invalid request",
                    "status": 422,
                    "detail": "1 field of the request is invalid.",
                    "instance": "/v1/portfolios/validate",
                    "request_id": "6f1c2b0e9d4a4e44a1a9f0c3d2b1a0e9",
                    "errors": [{"in": "query", "path": "wait", "message": "bad value"}],
                }
            ]
        },
    )

    type: str = Field(
        "about:blank",
        description="URI of the problem type; 'about:blank' when the HTTP status says it all.",
    )
    title: str = Field(description="Short summary of the problem type.")
    status: int = Field(ge=100, le=599, description="The HTTP status code.")
    detail: str = Field(description="What happened in this occurrence, in a sentence.")
    instance: str = Field(description="Path of the request.")
    request_id: str = Field(description="Id of the request, as in the X-Request-ID header.")
    errors: list[FieldError] | None = Field(
        None, description="Every bad field, for validation problems."
    )


class ApiError(Exception):
    """An error a route raises to answer with a problem document."""

    def __init__(
        self,
        status: int,
        detail: str,
        *,
        kind: str | None = None,
        title: str | None = None,
        errors: Sequence[FieldError] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.kind = kind
        self.title = title or HTTPStatus(status).phrase
        self.errors = list(errors) if errors is not None else None
        self.headers = dict(headers or {})


def field_error(path: str, message: str, where: str = "body") -> FieldError:
    """One bad field of a problem document: where it is (body, query ...), its path."""
    return FieldError.model_validate({"in": where, "path": path, "message": message})


def invalid_request(detail: str, path: str, message: str) -> ApiError:
    """The 422 problem of a request with one bad body field."""
    return ApiError(
        422,
        detail,
        kind="invalid-request",
        title="Invalid request",
        errors=[field_error(path, message)],
    )


def problem_response(
    request: Request,
    status: int,
    detail: str,
    *,
    kind: str | None = None,
    title: str | None = None,
    errors: Sequence[FieldError] | None = None,
    headers: Mapping[str, str] | None = None,
) -> JSONResponse:
    """Build the ``application/problem+json`` response for ``request``."""
    request_id = request_id_of(request.scope)
    problem = Problem(
        type=PROBLEM_TYPE_PREFIX + kind if kind else "about:blank",
        title=title or HTTPStatus(status).phrase,
        status=status,
        detail=detail,
        instance=request.url.path,
        request_id=request_id,
        errors=list(errors) if errors is not None else None,
    )
    return JSONResponse(
        problem.model_dump(mode="json", by_alias=True, exclude_none=True),
        status_code=status,
        media_type=PROBLEM_MEDIA_TYPE,
        headers={**(headers or {}), REQUEST_ID_HEADER: request_id},
    )


def _field_errors(raw: Iterable[Mapping[str, Any]]) -> list[FieldError]:
    errors = []
    for error in raw:
        loc = tuple(error.get("loc", ()))
        where = str(loc[0]) if loc else "body"
        if where not in {"body", "query", "path", "header", "cookie"}:
            where, rest = "body", loc
        else:
            rest = loc[1:]
        message = str(error.get("msg", "invalid value"))
        errors.append(field_error(format_path(rest), message, where))
    return errors


async def _on_api_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ApiError)
    return problem_response(
        request,
        exc.status,
        exc.detail,
        kind=exc.kind,
        title=exc.title,
        errors=exc.errors,
        headers=exc.headers,
    )


async def _on_validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    raw = list(exc.errors())
    if any(error.get("type") == "json_invalid" for error in raw):
        return problem_response(
            request,
            400,
            "The request body is not valid JSON.",
            kind="invalid-json",
            title="Malformed JSON",
        )
    errors = _field_errors(raw)
    count = "1 field" if len(errors) == 1 else f"{len(errors)} fields"
    return problem_response(
        request,
        422,
        f"{count} of the request {'is' if len(errors) == 1 else 'are'} invalid.",
        kind="invalid-request",
        title="Invalid request",
        errors=errors,
    )


async def _on_http_exception(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    status = exc.status_code
    detail = exc.detail if isinstance(exc.detail, str) else HTTPStatus(status).description
    if status == 404 and exc.detail == HTTPStatus.NOT_FOUND.phrase:
        detail = f"There is nothing at {request.url.path}."
    headers = dict(exc.headers or {})
    if status == 405:
        if exc.detail == HTTPStatus.METHOD_NOT_ALLOWED.phrase:
            detail = f"{request.method} is not allowed on {request.url.path}."
        headers["Allow"] = ", ".join(_allowed_methods(request))
    return problem_response(request, status, detail, headers=headers)


def _allowed_methods(request: Request) -> list[str]:
    """Every method some route accepts at the request's path (Starlette names only those
    of the first route whose path matches). The app lists its routes in
    ``app.state.route_methods`` as (path regex, methods)."""
    table: list[tuple[re.Pattern[str], set[str]]] = getattr(request.app.state, "route_methods", [])
    methods: set[str] = set()
    for pattern, allowed in table:
        if pattern.match(request.url.path):
            methods.update(allowed)
    return sorted(methods)


def _log_failure(what: str, request: Request, exc: Exception) -> str:
    """Log a failed request with its traceback; return its request id for the answer."""
    request_id = request_id_of(request.scope)
    logger.error(
        "%s in %s %s (request id %s)",
        what,
        request.method,
        request.url.path,
        request_id,
        exc_info=exc,
    )
    return request_id


async def _on_unexpected(request: Request, exc: Exception) -> JSONResponse:
    request_id = _log_failure("unhandled error", request, exc)
    return problem_response(
        request,
        500,
        f"An unexpected error occurred; it has been logged with request id {request_id}.",
    )


async def reject_unknown_query_parameters(request: Request) -> None:
    """422 for query parameters the route does not declare (likely typos)."""
    route = request.scope.get("route")
    dependant = getattr(route, "dependant", None)
    if dependant is None or not request.query_params:
        return
    known: set[str] = set()
    pending = [dependant]
    while pending:
        current = pending.pop()
        known.update(param.alias for param in current.query_params)
        pending.extend(current.dependencies)
    unknown = sorted({name for name in request.query_params if name not in known})
    if unknown:
        raise ApiError(
            422,
            f"Unknown query parameter(s): {', '.join(repr(name) for name in unknown)}.",
            kind="invalid-request",
            title="Invalid request",
            errors=[field_error(name, "unknown query parameter", "query") for name in unknown],
        )


async def _on_database_unavailable(request: Request, exc: Exception) -> JSONResponse:
    request_id = _log_failure("database unreachable", request, exc)
    return problem_response(
        request,
        503,
        f"The database does not answer; retry later (request id {request_id}).",
        kind="unavailable",
        title="Service unavailable",
        headers={"Retry-After": str(DATABASE_RETRY_AFTER_S)},
    )


#: Retry-After of a 503 when the database does not answer.
DATABASE_RETRY_AFTER_S = 5


def install_problem_handlers(app: FastAPI) -> None:
    """Answer every error of ``app`` with a problem document."""
    app.add_exception_handler(ApiError, _on_api_error)
    app.add_exception_handler(sqlalchemy.exc.OperationalError, _on_database_unavailable)
    app.add_exception_handler(sqlalchemy.exc.InterfaceError, _on_database_unavailable)
    app.add_exception_handler(RequestValidationError, _on_validation_error)
    app.add_exception_handler(StarletteHTTPException, _on_http_exception)
    app.add_exception_handler(Exception, _on_unexpected)


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` entries for the problem statuses a route returns."""
    return {
        status: {
            "description": _DESCRIPTIONS.get(status, HTTPStatus(status).phrase),
            "content": {PROBLEM_MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}},
        }
        for status in statuses
    }


_DESCRIPTIONS = {
    400: "Malformed JSON, or nested deeper than the configured limit.",
    401: "No API key, or an unknown or revoked one.",
    404: "No such resource for this tenant.",
    413: "The request body is larger than the configured limit.",
    415: "The request body is not JSON.",
    422: "A field of the request is invalid, unknown or missing (each one is listed in "
    "`errors`, also unknown query parameters), or a limit of the server is exceeded.",
    429: "Too many jobs in flight for this tenant; retry after `Retry-After` seconds.",
    500: "Unexpected error; the problem carries the request id under which it was logged.",
    503: "The database does not answer (retry after `Retry-After` seconds); for "
    "`/v1/ready`, the database or the broker does not answer.",
}
