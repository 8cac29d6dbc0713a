"""Dependencies shared by the routers: settings and the JSON body reader.

JSON bodies that hold a portfolio are read here rather than by FastAPI, so that a
malformed, too deeply nested or too large portfolio gets one clear problem document,
and a portfolio with bad fields reaches :func:`models.validate_portfolio`, which reports
every problem with its path at once.
"""

from __future__ import annotations

import functools
import json
import re
import sys
from typing import Annotated, Any

import numpy as np
from fastapi import Depends, Request
from fastapi.exceptions import RequestValidationError
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from api.problems import ApiError, field_error, invalid_request
from api.schemas import CheckedJobCreate, JobCreate
from api.settings import ApiSettings
from api.store import KeyStore, PortfolioStore
from workers.service import JobService

# Dependencies that do not block are ``async``: FastAPI runs sync ones in the threadpool,
# and each hop costs latency on every request.


async def get_settings(request: Request) -> ApiSettings:
    """The settings the app was created with."""
    settings: ApiSettings = request.app.state.settings
    return settings


SettingsDep = Annotated[ApiSettings, Depends(get_settings)]


async def get_jobs(request: Request) -> JobService:
    """The jobs service (ledger and broker) of the app."""
    jobs: JobService = request.app.state.jobs
    return jobs


async def get_portfolio_store(request: Request) -> PortfolioStore:
    """The portfolio store of the app."""
    store: PortfolioStore = request.app.state.portfolios
    return store


JobsDep = Annotated[JobService, Depends(get_jobs)]
PortfolioStoreDep = Annotated[PortfolioStore, Depends(get_portfolio_store)]

_bearer = HTTPBearer(
    auto_error=False,
    scheme_name="ApiKey",
    description="A tenant's API key (`optiplan keys create TENANT`), sent as "
    "`Authorization: Bearer <key>`.",
)


async def current_tenant(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> str:
    """The tenant of the request's API key; 401 without a valid key."""
    challenge = {"WWW-Authenticate": "Bearer"}
    if credentials is None:
        raise ApiError(
            401,
            "This route needs an API key: send 'Authorization: Bearer <key>'.",
            kind="unauthorized",
            headers=challenge,
        )
    keys: KeyStore = request.app.state.keys
    tenant = keys.cached_tenant(credentials.credentials)
    if tenant is None:  # not verified lately: read the database, off the event loop
        tenant = await run_in_threadpool(keys.tenant_of, credentials.credentials)
    if tenant is None:
        raise ApiError(401, "The API key is not valid.", kind="unauthorized", headers=challenge)
    return tenant


CurrentTenant = Annotated[str, Depends(current_tenant)]


#: +1 for an opening bracket, -1 for a closing one, 0 for every other byte.
_BRACKET_STEP = np.zeros(256, dtype=np.int8)
_BRACKET_STEP[[ord("["), ord("{")]] = 1
_BRACKET_STEP[[ord("]"), ord("}")]] = -1
_QUOTE = ord('"')
#: Every byte but brackets and quotes, for ``bytes.translate`` to delete.
_NOT_BRACKET_OR_QUOTE = bytes(b for b in range(256) if b not in b'[]{}"')


def nesting_depth(body: bytes) -> int:
    """How deep arrays and objects nest in ``body``, a JSON text already parsed as valid.

    Counted on the bytes (vectorised) rather than by walking the parsed value, which
    costs more than the parse itself on a portfolio. In valid JSON a bracket is
    structural unless it lies inside a string, and a string runs from an unescaped quote
    to the next one: escaped backslashes and then escaped quotes are blanked first (in
    that order, as JSON reads escapes left to right), so every quote left toggles.
    """
    encoding = json.detect_encoding(body)
    if encoding not in {"utf-8", "utf-8-sig"}:  # UTF-16/32: brackets are not single bytes
        body = body.decode(encoding, "surrogatepass").encode("utf-8", "surrogatepass")
    blanked = body.replace(b"\\\\", b"__").replace(b'\\"', b"__")
    # Only brackets and quotes matter, a few percent of a portfolio's bytes: the running
    # sums go over those alone (a uint8 count of quotes wraps at 256, which keeps parity).
    marks = np.frombuffer(blanked.translate(None, _NOT_BRACKET_OR_QUOTE), dtype=np.uint8)
    outside_strings = (np.cumsum(marks == _QUOTE, dtype=np.uint8) & 1) == 0
    steps = np.where(outside_strings, _BRACKET_STEP[marks], 0)
    return int(np.cumsum(steps, dtype=np.int64).max(initial=0))


#: Characters no database column can hold: NUL, and halves of surrogate pairs (a lone
#: one is not Unicode text; JSON can smuggle either in only as a ``\\u`` escape).
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
_UNSTORABLE_ESCAPE = re.compile(rb"\\u(?:0000|[dD][89a-fA-F])")


def _unstorable(value: Any) -> str | None:
    """The first unstorable character in a string (key or value) of ``value``, if any
    (iterative)."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            found = _UNSTORABLE.search(item)
            if found:
                return found.group()
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return None


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def _malformed(detail: str) -> ApiError:
    return ApiError(400, detail, kind="invalid-json", title="Malformed JSON")


def parse_json(body: bytes, max_depth: int, *, storable: bool = True) -> Any:
    """Parse a JSON body; raise a 400 problem if it is malformed or nested too deeply.

    Strict JSON: ``NaN`` and ``Infinity`` (which Python's parser accepts) are refused,
    and so is an integer too long to convert (more than 4,300 digits). With
    ``storable``, also strings with a NUL character, which the database cannot hold.
    """
    try:
        value = json.loads(body, parse_constant=_refuse_constant)
    except json.JSONDecodeError as error:
        raise _malformed(
            f"The request body is not valid JSON: {error.msg} at line {error.lineno}, "
            f"column {error.colno}."
        ) from None
    except UnicodeDecodeError:
        raise _malformed("The request body is not UTF-8 text.") from None
    except RecursionError:
        value = None
        nested_too_deeply = True
    except ValueError as error:  # NaN / Infinity, or an integer with too many digits
        reason = str(error)
        if "integer string conversion" in reason:
            reason = f"an integer has more than {sys.get_int_max_str_digits()} digits"
        raise _malformed(f"The request body is not valid JSON: {reason}.") from None
    else:
        nested_too_deeply = nesting_depth(body) > max_depth
    if nested_too_deeply:
        raise ApiError(
            400,
            f"The request body nests arrays and objects deeper than {max_depth} levels.",
            kind="nesting-too-deep",
            title="JSON nested too deeply",
        )
    # Raw UTF-8 cannot hold a lone surrogate (the decoder refuses it); UTF-16 and -32 can.
    other_encoding = json.detect_encoding(body) not in ("utf-8", "utf-8-sig")
    if storable and (_UNSTORABLE_ESCAPE.search(body) or other_encoding):
        character = _unstorable(value)
        if character == "\x00":
            raise _malformed("The request body has a NUL character (\\u0000) in a string.")
        if character is not None:
            raise _malformed(
                f"The request body has a lone surrogate (\\u{ord(character):04x}) in a "
                "string: it is not Unicode text."
            )
    return value


def _is_json(content_type: str) -> bool:
    media_type = content_type.split(";", 1)[0].strip().lower()
    return media_type == "application/json" or (
        media_type.startswith("application/") and media_type.endswith("+json")
    )


def _unsupported(content_type: str, *, upload: bool) -> ApiError:
    accepted = "JSON (Content-Type: application/json)"
    if upload:
        accepted += " or a file upload (multipart/form-data, field 'file')"
    return ApiError(
        415,
        f"The request body must be {accepted}, not '{content_type}'.",
        kind="unsupported-media-type",
    )


async def _json_bytes(request: Request) -> bytes:
    """The body of a request that declares JSON (415 if it declares something else)."""
    content_type = request.headers.get("content-type", "application/json")
    if not _is_json(content_type):
        raise _unsupported(content_type, upload=False)
    return await request.body()


async def _read_json(request: Request, settings: ApiSettings, *, storable: bool) -> Any:
    body = await _json_bytes(request)
    return await run_in_threadpool(
        functools.partial(parse_json, storable=storable), body, settings.max_json_depth
    )


async def json_body(request: Request, settings: SettingsDep) -> Any:
    """The request body parsed as JSON that can be stored (415 if declared as something
    else)."""
    return await _read_json(request, settings, storable=True)


async def json_body_to_check(request: Request, settings: SettingsDep) -> Any:
    """The request body parsed as JSON, only to be checked (NUL characters allowed)."""
    return await _read_json(request, settings, storable=False)


async def json_or_upload_body(request: Request, settings: SettingsDep) -> Any:
    """The request body as JSON, or the JSON file uploaded as form field ``file``."""
    content_type = request.headers.get("content-type", "application/json")
    if content_type.lower().startswith("multipart/form-data"):
        async with request.form(max_files=1, max_fields=10) as form:
            upload = form.get("file")
            if not isinstance(upload, UploadFile):
                raise invalid_request(
                    "The upload has no file in the form field 'file'.", "file", "field required"
                )
            body = await upload.read()
        return await run_in_threadpool(parse_json, body, settings.max_json_depth)
    if not _is_json(content_type):
        raise _unsupported(content_type, upload=True)
    body = await request.body()
    return await run_in_threadpool(parse_json, body, settings.max_json_depth)


JsonBody = Annotated[Any, Depends(json_body)]


def count_tasks(data: Any) -> int:
    """Number of tasks in a portfolio given as parsed JSON (parts of the wrong type: 0)."""
    if not isinstance(data, dict) or not isinstance(data.get("projects"), list):
        return 0
    return sum(
        len(project["tasks"])
        for project in data["projects"]
        if isinstance(project, dict) and isinstance(project.get("tasks"), list)
    )


def check_task_limit(data: Any, settings: ApiSettings) -> None:
    """Raise a 422 problem when the portfolio has more tasks than the configured limit."""
    refuse_too_many_tasks(count_tasks(data), settings)


def refuse_too_many_tasks(tasks: int, settings: ApiSettings) -> None:
    """Raise a 422 problem when ``tasks`` is above the configured limit."""
    if tasks > settings.max_tasks_per_portfolio:
        raise ApiError(
            422,
            f"The portfolio has {tasks} tasks; this server accepts at most "
            f"{settings.max_tasks_per_portfolio} per portfolio.",
            kind="too-many-tasks",
            title="Too many tasks",
        )


def as_portfolio_document(data: Any, settings: ApiSettings) -> dict[str, Any]:
    """``data`` if it is a JSON object within the task limit, else a 422 problem."""
    if not isinstance(data, dict):
        raise ApiError(
            422,
            "The request body is not a portfolio.",
            kind="invalid-portfolio",
            title="Invalid portfolio",
            errors=[field_error("", f"a portfolio must be a JSON object, got {_json_type(data)}")],
        )
    check_task_limit(data, settings)
    return data


def _json_type(value: Any) -> str:
    names = {list: "an array", str: "a string", bool: "a boolean", int: "a number"}
    names |= {float: "a number", type(None): "null"}
    return names.get(type(value), type(value).__name__)


def portfolio_json(data: JsonBody, settings: SettingsDep) -> dict[str, Any]:
    """The JSON body as a portfolio document (object, within the task limit)."""
    return as_portfolio_document(data, settings)


def portfolio_upload(
    data: Annotated[Any, Depends(json_or_upload_body)], settings: SettingsDep
) -> dict[str, Any]:
    """The JSON body or uploaded file as a portfolio document."""
    return as_portfolio_document(data, settings)


def portfolio_json_to_check(
    data: Annotated[Any, Depends(json_body_to_check)], settings: SettingsDep
) -> dict[str, Any]:
    """The JSON body as a portfolio document that is only validated, never stored."""
    return as_portfolio_document(data, settings)


PortfolioJson = Annotated[dict[str, Any], Depends(portfolio_json)]
PortfolioJsonToCheck = Annotated[dict[str, Any], Depends(portfolio_json_to_check)]
PortfolioUpload = Annotated[dict[str, Any], Depends(portfolio_upload)]


# Bodies the standard library's parser reads differently or refuses (non-standard
# constants, NUL, integers too long to convert) take the path that says so. Plain
# substring searches: one regular expression with these alternatives took 1.1 ms on a
# 60 KB body (the digit run defeats its literal scan), these take 0.1 ms.
_STRICT_PARSER_MARKS = (b"NaN", b"Infinity", b"\\u0000")
_DIGITS_TO_ZERO = bytes.maketrans(b"123456789", b"000000000")
_LONG_DIGIT_RUN = b"0" * 300


def _for_the_strict_parser(body: bytes) -> bool:
    return any(mark in body for mark in _STRICT_PARSER_MARKS) or (
        _LONG_DIGIT_RUN in body.translate(_DIGITS_TO_ZERO)
    )


def checked_job(body: bytes, settings: ApiSettings) -> CheckedJobCreate | None:
    """The job request of a well-formed body, its portfolio's fields validated, in one
    pass from the bytes; None if the body needs the full path (it is malformed, has a
    bad field, or holds what only the standard parser judges), which then answers.

    Raises the task-limit problem like the full path. The nesting limit is checked on
    the bytes, as on the full path: a valid request can still carry a deep value under
    a key that a later duplicate of it overrides.
    """
    if _for_the_strict_parser(body) or nesting_depth(body) > settings.max_json_depth:
        return None
    try:
        job = CheckedJobCreate.model_validate_json(body)
    except ValidationError:
        return None
    if job.portfolio is not None:
        refuse_too_many_tasks(sum(len(p.tasks) for p in job.portfolio.projects), settings)
    return job


async def job_request(request: Request, settings: SettingsDep) -> JobCreate | CheckedJobCreate:
    """The JSON body as a job request (422 with every bad field otherwise).

    A well-formed body is read by :func:`checked_job`; any other takes the full path:
    strict parsing (400 for malformed JSON), the request's fields (422), the task limit;
    the portfolio's fields are then validated by the route, with every issue reported.
    """
    body = await _json_bytes(request)
    job = await run_in_threadpool(checked_job, body, settings)
    if job is not None:
        return job
    data = await run_in_threadpool(parse_json, body, settings.max_json_depth)
    try:
        parsed = JobCreate.model_validate(data)
    except ValidationError as error:
        raise RequestValidationError(
            [{**e, "loc": ("body", *e["loc"])} for e in error.errors(include_url=False)]
        ) from None
    if parsed.portfolio is not None:
        check_task_limit(parsed.portfolio, settings)
    return parsed


JobRequest = Annotated[JobCreate | CheckedJobCreate, Depends(job_request)]
