"""``api.app.serving_heap``: the start-up heap is frozen while the app serves."""

from __future__ import annotations

import gc
from collections.abc import Callable

from fastapi import FastAPI
from fastapi.testclient import TestClient

from api.app import SERVING_GC_THRESHOLD


def test_serving_freezes_the_heap_and_shutdown_gives_the_collector_back(
    make_app: Callable[..., FastAPI],
) -> None:
    """While served: objects from start-up are frozen, young collections every 10,000
    allocations; after shutdown the collector is as it was."""
    before = gc.get_threshold()
    assert gc.get_freeze_count() == 0
    app = make_app()
    with TestClient(app) as client:
        assert client.get("/v1/health").status_code == 200
        assert gc.get_freeze_count() > 10_000
        assert gc.get_threshold() == (SERVING_GC_THRESHOLD, *before[1:])
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == 0


def test_the_collector_is_given_back_when_the_last_of_several_apps_stops(
    make_app: Callable[..., FastAPI],
) -> None:
    """Two apps in one process, stopped in the order they started: the first to stop
    leaves the heap frozen for the other; the last one restores the collector."""
    before = gc.get_threshold()
    first, second = TestClient(make_app()), TestClient(make_app())
    first.__enter__()
    second.__enter__()
    first.__exit__(None, None, None)
    assert gc.get_freeze_count() > 10_000
    assert gc.get_threshold() == (SERVING_GC_THRESHOLD, *before[1:])
    assert second.get("/v1/health").status_code == 200
    second.__exit__(None, None, None)
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == 0
