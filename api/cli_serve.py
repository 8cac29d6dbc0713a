"""``optiplan serve`` (the HTTP API, with an embedded worker) and ``optiplan keys``."""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
from collections.abc import Callable
from datetime import datetime
from typing import Annotated

import typer
import uvicorn
from rich.console import Console
from rich.markup import escape

from api.app import create_app
from api.settings import ApiSettings
from api.store import KeyInfo, KeyStore, check_key_prefix, check_tenant_name
from workers.db import make_engine, upgrade_database
from workers.settings import get_settings
from workers.worker import worker_argv

console = Console(soft_wrap=True)
errors = Console(stderr=True, soft_wrap=True)

keys_app = typer.Typer(help="API keys of tenants.", no_args_is_help=True)

#: Tenant of the key ``optiplan serve`` creates on the embedded default.
LOCAL_TENANT = "local"


def _key_store() -> KeyStore:
    settings = get_settings()
    engine = make_engine(settings.effective_database_url)
    upgrade_database(engine)
    return KeyStore(engine)


def _checked_or_exit(check: Callable[[str], str], value: str) -> str:
    """``check(value)``, or the error on stderr and exit code 2."""
    try:
        return check(value)
    except ValueError as error:
        errors.print(f"[red]{escape(str(error))}[/red]")
        raise typer.Exit(2) from None


def _moment(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds")


def _key_line(key: KeyInfo, tenant_width: int) -> str:
    line = f"{key.prefix}  {key.tenant:<{tenant_width}}  {_moment(key.created_at)}"
    if key.revoked_at is not None:
        line += f"  revoked {_moment(key.revoked_at)}"
    return line


@keys_app.command("create")
def create_key(
    tenant: Annotated[str, typer.Argument(help="Tenant name: letters, digits, '.', '_', '-'.")],
) -> None:
    """Create an API key for TENANT; the key is printed once, alone on the last line."""
    _checked_or_exit(check_tenant_name, tenant)
    key = _key_store().create_key(tenant)
    console.print(f"API key for tenant '{tenant}' (only its hash is stored; keep it now):")
    print(key, flush=True)


@keys_app.command("list")
def list_keys(
    tenant: Annotated[str | None, typer.Argument(help="Only this tenant's keys.")] = None,
    show_revoked: Annotated[
        bool, typer.Option("--all", help="Also revoked keys, with when they were revoked.")
    ] = False,
) -> None:
    """List API keys, one line each: prefix, tenant, creation time (UTC).

    Never the key itself nor its hash; the prefix is what `optiplan keys revoke` takes.
    """
    if tenant is not None:
        _checked_or_exit(check_tenant_name, tenant)
    keys = _key_store().list_keys(tenant, revoked=show_revoked)
    if not keys:
        errors.print("no API keys" + ("" if tenant is None else f" for tenant '{tenant}'"))
        return
    width = max(len(key.tenant) for key in keys)
    for key in keys:
        print(_key_line(key, width))


@keys_app.command("revoke")
def revoke_key(
    prefix: Annotated[str, typer.Argument(help="The key's prefix: the 12 hex digits after 'op_'.")],
) -> None:
    """Revoke the API key with PREFIX (exit code 1 if there is none).

    A running server refuses the key once its cache of verified keys forgets it: within
    OPTIPLAN_KEY_CACHE_S seconds (30 by default).
    """
    _checked_or_exit(check_key_prefix, prefix)
    store = _key_store()
    key = store.get_key(prefix)
    if key is None:
        errors.print(f"[red]there is no API key with prefix '{prefix}'[/red]")
        raise typer.Exit(1)
    if key.revoked_at is not None:
        console.print(
            f"key {prefix} of tenant '{key.tenant}' was already revoked at "
            f"{_moment(key.revoked_at)}"
        )
        return
    store.revoke_key(prefix)
    cache_s = ApiSettings().key_cache_s
    console.print(
        f"revoked key {prefix} of tenant '{key.tenant}'; a running server refuses it within "
        f"{cache_s:g} s (OPTIPLAN_KEY_CACHE_S)"
    )


def _start_worker(concurrency: int | None) -> subprocess.Popen[bytes]:
    settings = get_settings()
    argv = worker_argv(settings, concurrency=concurrency, hostname="embedded@%h")
    return subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "workers.tasks", *argv],
        env=os.environ.copy(),
        start_new_session=True,
    )


def _stop_worker(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port.")] = 8000,
    worker: Annotated[
        bool | None,
        typer.Option(
            "--worker/--no-worker",
            help="Run a worker next to the API (default: only on the embedded default).",
        ),
    ] = None,
    concurrency: Annotated[
        int | None, typer.Option(help="Processes of the embedded worker.")
    ] = None,
    log_level: Annotated[str, typer.Option(help="Log level of the server.")] = "info",
) -> None:
    """Serve the HTTP API (docs at /docs); on the embedded default also run a worker.

    With nothing configured this is the whole service on one machine: SQLite and a
    filesystem broker under OPTIPLAN_HOME, a worker process, and on first start an API
    key for tenant 'local', printed once.
    """
    settings = get_settings()
    keys = _key_store()
    if settings.embedded and not keys.has_keys():
        key = keys.create_key(LOCAL_TENANT)
        console.print(
            f"Created an API key for tenant '{LOCAL_TENANT}' (shown once; "
            "`optiplan keys create TENANT` makes more):"
        )
        print(key, flush=True)
    run_worker = settings.embedded if worker is None else worker
    process = _start_worker(concurrency) if run_worker else None
    try:
        console.print(f"optiplan API on http://{host}:{port}/v1 (docs: http://{host}:{port}/docs)")
        logging.basicConfig(level=log_level.upper())
        uvicorn.run(create_app(ApiSettings()), host=host, port=port, log_level=log_level)
    finally:
        if process is not None:
            _stop_worker(process)


def register(app: typer.Typer) -> None:
    """Add ``serve`` and ``keys`` to the ``optiplan`` app."""
    app.command()(serve)
    app.add_typer(keys_app, name="keys")


__all__ = ["register"]
