"""Settings of the HTTP API, read from ``OPTIPLAN_*`` environment variables."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class ApiSettings(BaseSettings):
    """Limits and behaviour of the HTTP API.

    Every field can be set from the environment, e.g. ``OPTIPLAN_MAX_BODY_BYTES=1000000``.
    """

    model_config = SettingsConfigDict(env_prefix="OPTIPLAN_", extra="ignore", frozen=True)

    max_body_bytes: int = Field(
        16 * 1024 * 1024, ge=1024, description="Largest request body accepted (413 beyond)."
    )
    max_tasks_per_portfolio: int = Field(
        10_000, ge=1, description="Most tasks a submitted portfolio may have (422 beyond)."
    )
    max_json_depth: int = Field(
        32, ge=8, le=500, description="Deepest nesting of arrays and objects in a JSON body."
    )
