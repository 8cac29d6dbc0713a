"""``optiplan keys list`` and ``optiplan keys revoke``, and what a revocation does to the API."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner, Result

from api.cli import app
from api.store import hash_key, split_key
from tests.api.conftest import ClientFactory
from workers.settings import get_settings


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """The CLI on the embedded default under tmp_path/optiplan: the ledger the API tests'
    ``jobs`` fixture uses too."""
    for name in ("OPTIPLAN_DATABASE_URL", "OPTIPLAN_BROKER_URL", "OPTIPLAN_REDIS_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("OPTIPLAN_HOME", str(tmp_path / "optiplan"))
    get_settings.cache_clear()  # read once per process otherwise
    yield tmp_path / "optiplan"
    get_settings.cache_clear()


def _optiplan(*args: str) -> Result:
    return CliRunner().invoke(app, list(args))


def _create(tenant: str) -> str:
    result = _optiplan("keys", "create", tenant)
    assert result.exit_code == 0, result.output
    return result.stdout.splitlines()[-1]


def _prefix(key: str) -> str:
    prefix = split_key(key)
    assert prefix is not None
    return prefix


_LINE = re.compile(r"^([0-9a-f]{12})  (\S+) +(\S+)$")


def _listed(result: Result) -> list[tuple[str, str, datetime]]:
    """(prefix, tenant, created at) of each line of ``keys list``."""
    assert result.exit_code == 0, result.output
    rows = []
    for line in result.stdout.splitlines():
        match = _LINE.match(line)
        assert match is not None, line
        rows.append((match[1], match[2], datetime.fromisoformat(match[3])))
    return rows


@pytest.mark.usefixtures("home")
def test_keys_list_shows_prefix_tenant_and_creation_never_the_secret() -> None:
    """One line per key, by tenant: prefix, tenant, creation time to the second (UTC);
    neither the key nor its hash; with a tenant, only its keys."""
    before = datetime.now().astimezone().replace(microsecond=0)
    globex, acme = _create("globex"), _create("acme")
    second_acme = _create("acme")
    result = _optiplan("keys", "list")
    after = datetime.now().astimezone()
    rows = _listed(result)
    assert [(prefix, tenant) for prefix, tenant, _ in rows] == [
        (_prefix(acme), "acme"),
        (_prefix(second_acme), "acme"),
        (_prefix(globex), "globex"),
    ]
    assert all(before <= created <= after for _, _, created in rows)
    assert {created.utcoffset() for _, _, created in rows} == {timedelta(0)}  # UTC
    for key in (globex, acme, second_acme):
        assert key not in result.output
        assert hash_key(key) not in result.output
    assert [row[1] for row in _listed(_optiplan("keys", "list", "globex"))] == ["globex"]


@pytest.mark.usefixtures("home")
def test_keys_list_without_keys_and_with_a_bad_tenant() -> None:
    """No key: nothing on stdout, a note on stderr, exit 0; a bad tenant name: exit 2."""
    _create("acme")
    nobody = _optiplan("keys", "list", "nobody")
    assert (nobody.exit_code, nobody.stdout, nobody.stderr) == (
        0,
        "",
        "no API keys for tenant 'nobody'\n",
    )
    bad = _optiplan("keys", "list", "a b")
    assert (bad.exit_code, bad.stdout) == (2, "")
    assert bad.stderr == ("tenant name 'a b' must be 1-64 letters, digits, '.', '_' or '-'\n")


@pytest.mark.usefixtures("home")
def test_keys_revoke_disables_the_key_and_says_so() -> None:
    """Revoke: the key leaves the list (--all shows when it was revoked); revoking it
    again says it already was; the other keys stay."""
    acme, globex = _create("acme"), _create("globex")
    revoked = _optiplan("keys", "revoke", _prefix(acme))
    assert (revoked.exit_code, revoked.stderr) == (0, "")
    assert revoked.stdout == (
        f"revoked key {_prefix(acme)} of tenant 'acme'; a running server refuses it within "
        "30 s (OPTIPLAN_KEY_CACHE_S)\n"
    )
    assert [row[0] for row in _listed(_optiplan("keys", "list"))] == [_prefix(globex)]
    everything = _optiplan("keys", "list", "--all").stdout.splitlines()
    assert re.fullmatch(rf"{_prefix(acme)}  acme    \S+  revoked (\S+)", everything[0]), everything
    assert everything[1].startswith(f"{_prefix(globex)}  globex  ")
    again = _optiplan("keys", "revoke", _prefix(acme))
    assert again.exit_code == 0
    assert again.stdout == (
        f"key {_prefix(acme)} of tenant 'acme' was already revoked at "
        f"{everything[0].rsplit(' ', 1)[1]}\n"
    )


@pytest.mark.usefixtures("home")
def test_keys_revoke_of_an_unknown_or_malformed_prefix() -> None:
    """No key with the prefix: exit 1 naming it; not a prefix (or a whole key): exit 2."""
    key = _create("acme")
    unknown = _optiplan("keys", "revoke", "0123456789ab")
    assert (unknown.exit_code, unknown.stdout) == (1, "")
    assert unknown.stderr == "there is no API key with prefix '0123456789ab'\n"
    for not_a_prefix in ("xyz", key):
        malformed = _optiplan("keys", "revoke", not_a_prefix)
        assert (malformed.exit_code, malformed.stdout) == (2, "")
        assert malformed.stderr == (
            f"{not_a_prefix!r} is not a key prefix: a prefix is the 12 hex digits after 'op_' "
            "in a key, as `optiplan keys list` shows them\n"
        )
    assert [row[0] for row in _listed(_optiplan("keys", "list"))] == [_prefix(key)]


@pytest.mark.usefixtures("home")
def test_a_revoked_key_gets_401_with_the_cache_off(make_client: ClientFactory) -> None:
    """With OPTIPLAN_KEY_CACHE_S=0, the request after `optiplan keys revoke` is a 401."""
    client = make_client(key_cache_s=0)
    assert client.get("/v1/jobs").status_code == 200
    key = client.headers["authorization"].removeprefix("Bearer ")
    assert _optiplan("keys", "revoke", _prefix(key)).exit_code == 0
    refused = client.get("/v1/jobs")
    assert refused.status_code == 401
    assert refused.json()["detail"] == "The API key is not valid."


@pytest.mark.usefixtures("home")
def test_a_revoked_key_works_until_the_cache_forgets_it(make_client: ClientFactory) -> None:
    """With the default 30 s cache, a server that verified a key keeps taking it after
    another process revoked it (the documented delay); a revocation by the server's own
    key store takes effect at once."""
    client = make_client()
    assert client.get("/v1/jobs").status_code == 200
    key = client.headers["authorization"].removeprefix("Bearer ")
    assert _optiplan("keys", "revoke", _prefix(key)).exit_code == 0
    assert client.get("/v1/jobs").status_code == 200  # still cached
    app: Any = client.app
    other = app.state.keys.create_key("acme")
    headers = {"Authorization": f"Bearer {other}"}
    assert client.get("/v1/jobs", headers=headers).status_code == 200
    assert app.state.keys.revoke_key(_prefix(other))
    assert client.get("/v1/jobs", headers=headers).status_code == 401
