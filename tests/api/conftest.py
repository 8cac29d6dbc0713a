"""Fixtures of the HTTP API tests: an app on a fresh embedded ledger, keys, clients."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from api.app import create_app
from api.settings import ApiSettings
from workers.service import JobService
from workers.settings import Settings

ClientFactory = Callable[..., TestClient]


@pytest.fixture
def jobs(tmp_path: Path) -> Iterator[JobService]:
    """A jobs service on a fresh SQLite ledger and filesystem broker under tmp_path."""
    service = JobService(Settings(home=tmp_path / "optiplan"))
    yield service
    service.close()


@pytest.fixture
def make_app(jobs: JobService) -> Callable[..., FastAPI]:
    """Build an app on the test ledger whose API settings are overridden by keyword."""

    def build(**overrides: Any) -> FastAPI:
        return create_app(ApiSettings(**overrides), jobs=jobs)

    return build


@pytest.fixture
def make_client(make_app: Callable[..., FastAPI]) -> Iterator[ClientFactory]:
    """Build a client (with tenant 'acme''s key) of an app with overridden settings."""
    clients: list[TestClient] = []

    def build(**overrides: Any) -> TestClient:
        app = make_app(**overrides)
        key = app.state.keys.create_key("acme")
        client = TestClient(
            app, raise_server_exceptions=False, headers={"Authorization": f"Bearer {key}"}
        )
        clients.append(client)
        return client

    yield build
    for client in clients:
        client.close()


@pytest.fixture
def client(make_client: ClientFactory) -> TestClient:
    """A client of the app with default settings, authenticated as tenant 'acme'."""
    return make_client()
