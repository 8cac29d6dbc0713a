"""Alembic migrations of the job ledger (run by :func:`workers.db.upgrade_database`)."""
