"""Provenance of a job: the stored portfolio and the version of it that the job solved.

Both columns stay null for a job whose portfolio came inline. There is no foreign key to
``portfolios``: a job keeps its own input snapshot, so deleting a portfolio must leave
its jobs, and the record of what they solved, as they are.

Revision ID: 0004_job_provenance
Revises: 0003_api_keys_portfolios
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004_job_provenance"
down_revision: str | None = "0003_api_keys_portfolios"
branch_labels: tuple[str, ...] | None = None
depends_on: str | None = None


def upgrade() -> None:
    """Add ``jobs.portfolio_id`` and ``jobs.portfolio_version`` (both nullable)."""
    with op.batch_alter_table("jobs") as batch:
        batch.add_column(sa.Column("portfolio_id", sa.String(36), nullable=True))
        batch.add_column(sa.Column("portfolio_version", sa.Integer(), nullable=True))


def downgrade() -> None:
    """Drop ``jobs.portfolio_id`` and ``jobs.portfolio_version``."""
    with op.batch_alter_table("jobs") as batch:
        batch.drop_column("portfolio_version")
        batch.drop_column("portfolio_id")
