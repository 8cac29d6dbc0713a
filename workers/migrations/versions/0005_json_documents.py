"""Documents as ``json`` with LZ4 compression on PostgreSQL, not ``jsonb``.

Every submission writes its portfolio (60-80 KB for 150 tasks) into ``jobs.input``.
``jsonb`` parses that text into its binary form on the way in and prints it back on
every read; nothing here queries inside the documents beyond one ``->>`` key, which
``json`` has too. Measured on PostgreSQL 15 (one 75 KB portfolio, insert and commit):
``jsonb`` 2.1 ms, ``json`` 1.0 ms, ``json`` with LZ4 0.56 ms; a read 0.68 against 0.33
ms. LZ4 is set only where the server was built with it. SQLite stores JSON as text
either way: nothing changes there. Converting an existing table rewrites it.

Revision ID: 0005_json_documents
Revises: 0004_job_provenance
Create Date: 2026-12-03
"""

from __future__ import annotations

from alembic import op

revision = "0005_json_documents"
down_revision: str | None = "0004_job_provenance"
branch_labels: tuple[str, ...] | None = None
depends_on: str | None = None

#: (table, column, large): large documents get LZ4 compression where available.
_DOCUMENTS = [
    ("jobs", "input", True),
    ("jobs", "options", False),
    ("jobs", "result", True),
    ("job_events", "data", False),
    ("portfolios", "document", True),
    ("portfolio_versions", "document", True),
]


def _has_lz4() -> bool:
    found = op.get_bind().exec_driver_sql(
        "SELECT 'lz4' = ANY(enumvals) FROM pg_settings WHERE name = 'default_toast_compression'"
    )
    return bool(found.scalar())


def upgrade() -> None:
    """``jsonb`` -> ``json`` (PostgreSQL), LZ4 on the large documents."""
    if op.get_bind().dialect.name != "postgresql":
        return
    lz4 = _has_lz4()
    for table, column, large in _DOCUMENTS:
        op.execute(f"ALTER TABLE {table} ALTER COLUMN {column} TYPE json USING {column}::json")
        if large and lz4:
            op.execute(f"ALTER TABLE {table} ALTER COLUMN {column} SET COMPRESSION lz4")


def downgrade() -> None:
    """Back to ``jsonb`` with the server's default compression (PostgreSQL)."""
    if op.get_bind().dialect.name != "postgresql":
        return
    for table, column, _ in _DOCUMENTS:
        op.execute(f"ALTER TABLE {table} ALTER COLUMN {column} SET COMPRESSION default")
        op.execute(f"ALTER TABLE {table} ALTER COLUMN {column} TYPE jsonb USING {column}::jsonb")
