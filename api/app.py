"""The FastAPI application: ``create_app(settings)`` wires routers, middleware and errors."""

from __future__ import annotations

from fastapi import FastAPI

from api.body_limit import BodySizeLimitMiddleware
from api.openapi import install_openapi
from api.problems import install_problem_handlers
from api.request_id import RequestIdMiddleware
from api.routers import health, portfolios
from api.settings import ApiSettings
from api.version import VERSION

DESCRIPTION = """\
optiplan plans IT project portfolios optimally: projects, tasks, people with skills and
calendars, budgets and deadlines in; a checked plan out.

Every error is an RFC 9457 problem document (`application/problem+json`) that carries
the request id also sent in the `X-Request-ID` header.
"""


def create_app(settings: ApiSettings | None = None) -> FastAPI:
    """Build the HTTP API with ``settings`` (default: from the environment)."""
    settings = settings or ApiSettings()
    app = FastAPI(
        title="optiplan",
        version=VERSION,
        description=DESCRIPTION,
        docs_url="/docs",
        redoc_url=None,
        openapi_url="/openapi.json",
    )
    app.state.settings = settings
    app.include_router(health.router)
    app.include_router(portfolios.router)
    install_problem_handlers(app)
    install_openapi(app)
    # Added last = outermost: the request id exists before the body limit may refuse.
    app.add_middleware(BodySizeLimitMiddleware, max_bytes=settings.max_body_bytes)
    app.add_middleware(RequestIdMiddleware)
    return app
