"""The OpenAPI document: the portfolio schema, request examples from ``examples/``."""

from __future__ import annotations

import copy
import functools
import json
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from api.problems import Problem
from models import Portfolio

EXAMPLES_DIR = Path(__file__).resolve().parent.parent / "examples"
_REF_TEMPLATE = "#/components/schemas/{model}"

TAGS = [
    {"name": "health", "description": "Is the service up and able to work."},
    {"name": "portfolios", "description": "Portfolios: the input of every solve."},
]


@functools.cache
def example_portfolio(name: str = "demo") -> dict[str, Any]:
    """A bundled example portfolio as parsed JSON (``demo`` or ``medium``)."""
    data: dict[str, Any] = json.loads((EXAMPLES_DIR / f"{name}.json").read_text("utf-8"))
    return data


def invalid_example_portfolio() -> dict[str, Any]:
    """The demo portfolio with two planted mistakes (an unknown skill, a bad duration)."""
    data = copy.deepcopy(example_portfolio())
    task = data["projects"][0]["tasks"][0]
    task.pop("effort_days", None)
    task.pop("modes", None)
    task["duration_days"] = -3
    data["people"][0]["skills"] = {"pmm": 5}
    return data


def portfolio_request_body(description: str, *, strict: bool = True) -> dict[str, Any]:
    """``openapi_extra`` for a route whose JSON body is a portfolio read by the route.

    With ``strict`` the body must match the ``Portfolio`` schema; otherwise any JSON
    object is accepted (the validation route reports what is wrong with it).
    """
    schema: dict[str, Any] = (
        {"$ref": "#/components/schemas/Portfolio"}
        if strict
        else {
            "type": "object",
            "description": "A portfolio document, checked against the Portfolio schema and "
            "the rules that span objects.",
        }
    )
    return {
        "requestBody": {
            "required": True,
            "description": description,
            "content": {
                "application/json": {
                    "schema": schema,
                    "examples": {
                        "demo": {
                            "summary": "The demo portfolio (3 projects, 20 tasks)",
                            "value": example_portfolio(),
                        },
                        "invalid": {
                            "summary": "The demo portfolio with two mistakes",
                            "value": invalid_example_portfolio(),
                        },
                    },
                }
            },
        }
    }


def install_openapi(app: FastAPI) -> None:
    """Make ``app.openapi()`` include the portfolio schema the routes read by hand."""

    def build() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        schema = get_openapi(
            title=app.title,
            version=app.version,
            description=app.description,
            routes=app.routes,
            tags=TAGS,
        )
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        portfolio_schema = Portfolio.model_json_schema(ref_template=_REF_TEMPLATE)
        for name, definition in portfolio_schema.pop("$defs", {}).items():
            components.setdefault(name, definition)
        components.setdefault("Portfolio", portfolio_schema)
        problem_schema = Problem.model_json_schema(ref_template=_REF_TEMPLATE, by_alias=True)
        for name, definition in problem_schema.pop("$defs", {}).items():
            components.setdefault(name, definition)
        components.setdefault("Problem", problem_schema)
        app.openapi_schema = schema
        return schema

    app.openapi = build  # type: ignore[method-assign]
