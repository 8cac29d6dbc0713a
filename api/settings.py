"""Settings of the HTTP API, read from ``OPTIPLAN_*`` environment variables.

The jobs layer has its own (:class:`workers.settings.Settings`: database, broker, the
longest solve time a job may ask for); these are the limits of the HTTP side.
"""

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
    max_jobs_in_flight: int = Field(
        10, ge=1, description="Queued plus running jobs a tenant may have (429 beyond)."
    )
    max_wait_s: float = Field(
        60.0, ge=0, description="Longest wait a `POST /v1/solve?wait=S` request may ask for."
    )
    sse_keepalive_s: float = Field(
        10.0, gt=0, description="Seconds between keep-alive comments on a quiet event stream."
    )
    key_cache_s: float = Field(
        30.0,
        ge=0,
        description="How long a verified API key is remembered in this process; a key "
        "revoked meanwhile (`optiplan keys revoke`) keeps working here until then.",
    )
