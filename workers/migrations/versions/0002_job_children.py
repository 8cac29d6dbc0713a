"""Fan-out: a job may have a parent (the job that gathers it).

Revision ID: 0002_job_children
Revises: 0001_job_ledger
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002_job_children"
down_revision: str | None = "0001_job_ledger"
branch_labels: tuple[str, ...] | None = None
depends_on: str | None = None


def upgrade() -> None:
    """Add ``jobs.parent_id`` (nullable, indexed, references ``jobs.id``)."""
    with op.batch_alter_table("jobs") as batch:
        batch.add_column(sa.Column("parent_id", sa.String(36), nullable=True))
        batch.create_foreign_key("fk_jobs_parent_id", "jobs", ["parent_id"], ["id"])
        batch.create_index("ix_jobs_parent_id", ["parent_id"])


def downgrade() -> None:
    """Drop ``jobs.parent_id``."""
    with op.batch_alter_table("jobs") as batch:
        batch.drop_index("ix_jobs_parent_id")
        batch.drop_constraint("fk_jobs_parent_id", type_="foreignkey")
        batch.drop_column("parent_id")
