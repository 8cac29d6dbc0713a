"""Alembic revisions of the job ledger, linear; the head is named in ``workers.db``."""
