"""Documents written and read whole as ``json`` with LZ4 on PostgreSQL, not ``jsonb``.

Every submission writes its portfolio (60-80 KB for 150 tasks) into ``jobs.input``.
``jsonb`` parses that text into its binary form on the way in and prints it back on
every read; nothing queries inside these documents. Measured on PostgreSQL 15 (one 75
KB portfolio, insert and commit): ``jsonb`` 2.1 ms, ``json`` 1.0 ms, ``json`` with LZ4
0.56 ms; a read 0.68 against 0.33 ms. ``jobs.result`` stays ``jsonb``: every status
read of a finished job takes the plan's ``status`` key with ``->>``, a lookup in
``jsonb`` but a parse of the whole plan in ``json``. LZ4 is set where the server has it
(PostgreSQL 14 and later, built with it), in the same statement as the type change so
that the rewritten rows are compressed with it; each table is rewritten once. SQLite
stores JSON as text either way: nothing changes there.

Revision ID: 0005_json_documents
Revises: 0004_job_provenance
Create Date: 2026-12-01
"""

from __future__ import annotations

from alembic import op

revision = "0005_json_documents"
down_revision: str | None = "0004_job_provenance"
branch_labels: tuple[str, ...] | None = None
depends_on: str | None = None

#: Per table: (column, large); large documents get LZ4 compression where available.
_DOCUMENTS = {
    "jobs": [("input", True), ("options", False)],
    "job_events": [("data", False)],
    "portfolios": [("document", True)],
    "portfolio_versions": [("document", True)],
}


def _has_lz4() -> bool:
    found = op.get_bind().exec_driver_sql(
        "SELECT 'lz4' = ANY(enumvals) FROM pg_settings WHERE name = 'default_toast_compression'"
    )
    return bool(found.scalar())


def _retype(json_type: str, compression: str) -> None:
    """Every document column to ``json_type``; the large ones to ``compression`` where
    the server has LZ4 (PostgreSQL 14 and later, built with it). One statement per
    table: it is rewritten once, and a compression set before the type change applies
    to the rows the change rewrites."""
    lz4 = _has_lz4()
    for table, columns in _DOCUMENTS.items():
        clauses = []
        for column, large in columns:
            if large and lz4:
                clauses.append(f"ALTER COLUMN {column} SET COMPRESSION {compression}")
            clauses.append(f"ALTER COLUMN {column} TYPE {json_type} USING {column}::{json_type}")
        op.execute(f"ALTER TABLE {table} {', '.join(clauses)}")


def upgrade() -> None:
    """``jsonb`` -> ``json`` (PostgreSQL), LZ4 on the large documents."""
    if op.get_bind().dialect.name == "postgresql":
        _retype("json", "lz4")


def downgrade() -> None:
    """Back to ``jsonb`` with the server's default compression (PostgreSQL)."""
    if op.get_bind().dialect.name == "postgresql":
        _retype("jsonb", "default")
