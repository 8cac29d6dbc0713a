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
from api.schemas import PORTFOLIO_SCHEMA_MARK, JobCreate
from models import Portfolio

#: The example portfolios. ``api/examples`` holds links to the files of the top-level
#: ``examples/`` folder, so that a wheel (package data) carries them too.
EXAMPLES_DIR = Path(__file__).resolve().parent / "examples"
_REF_TEMPLATE = "#/components/schemas/{model}"

TAGS = [
    {"name": "health", "description": "Is the service up and able to work."},
    {"name": "portfolios", "description": "Portfolios: the input of every solve."},
    {"name": "jobs", "description": "Solves: submit, follow (SSE), fetch the plan, cancel."},
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


def portfolio_request_body(
    description: str, *, strict: bool = True, upload: bool = False
) -> dict[str, Any]:
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
    examples: dict[str, Any] = {
        "demo": {
            "summary": "The demo portfolio (3 projects, 20 tasks)",
            "value": example_portfolio(),
        }
    }
    if not strict:
        examples["invalid"] = {
            "summary": "The demo portfolio with two mistakes",
            "value": invalid_example_portfolio(),
        }
    content: dict[str, Any] = {"application/json": {"schema": schema, "examples": examples}}
    if upload:
        content["multipart/form-data"] = {
            "schema": {
                "type": "object",
                "properties": {
                    "file": {
                        "type": "string",
                        "format": "binary",
                        "description": "A portfolio JSON file.",
                    }
                },
                "required": ["file"],
            }
        }
    return {"requestBody": {"required": True, "description": description, "content": content}}


def job_request_body(description: str) -> dict[str, Any]:
    """``openapi_extra`` for a route whose JSON body is a :class:`api.schemas.JobCreate`."""
    return {
        "requestBody": {
            "required": True,
            "description": description,
            "content": {
                "application/json": {
                    "schema": {"$ref": "#/components/schemas/JobCreate"},
                    "examples": {
                        "inline": {
                            "summary": "Schedule the demo portfolio, 10 s at most",
                            "value": {
                                "kind": "schedule",
                                "portfolio": example_portfolio(),
                                "options": {"time_limit_s": 10},
                            },
                        },
                        "stored": {
                            "summary": "Schedule a stored portfolio",
                            "value": {
                                "kind": "schedule",
                                "portfolio_id": "0b8f6c1e-4f57-4a43-9d43-1f0e2a9c7b11",
                            },
                        },
                    },
                }
            },
        }
    }


def _link_portfolio(node: Any) -> Any:
    """Replace every schema marked with PORTFOLIO_SCHEMA_MARK by a reference to Portfolio."""
    if isinstance(node, dict):
        if node.get(PORTFOLIO_SCHEMA_MARK):
            return {"$ref": "#/components/schemas/Portfolio"}
        return {key: _link_portfolio(value) for key, value in node.items()}
    if isinstance(node, list):
        return [_link_portfolio(item) for item in node]
    return node


def install_openapi(app: FastAPI) -> None:
    """Make ``app.openapi()`` include the portfolio schema the routes read by hand."""

    def build() -> dict[str, Any]:
        if app.openapi_schema is not None:
            cached: dict[str, Any] = app.openapi_schema
            return cached
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
        for model in (Problem, JobCreate):
            model_schema = model.model_json_schema(ref_template=_REF_TEMPLATE, by_alias=True)
            for name, definition in model_schema.pop("$defs", {}).items():
                components.setdefault(name, definition)
            components.setdefault(model.__name__, model_schema)
        linked: dict[str, Any] = _link_portfolio(schema)
        app.openapi_schema = linked
        return linked

    app.openapi = build  # type: ignore[method-assign]
