"""Property-based run of schemathesis against the app's own OpenAPI document."""

from __future__ import annotations

from typing import Any

import schemathesis
from hypothesis import HealthCheck, settings

from api.app import create_app
from api.settings import ApiSettings

schema = schemathesis.openapi.from_asgi("/openapi.json", create_app(ApiSettings()))


@schema.parametrize()
@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
def test_every_operation_keeps_its_contract(case: schemathesis.Case[Any]) -> None:
    """No 5xx, and every response (status, media type, body) matches the document."""
    case.call_and_validate()
