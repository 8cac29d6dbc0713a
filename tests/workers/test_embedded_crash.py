"""A worker killed mid-solve on the embedded default (filesystem transport, SQLite).

The filesystem transport has no acknowledgement: the message is gone once read, so the
job is saved by the ledger alone (heartbeat, recovery sweep).
"""

from __future__ import annotations

import uuid
from pathlib import Path

from tests.workers.harness import kill_mid_solve_loses_no_job, make_settings


def test_a_worker_killed_mid_solve_on_the_embedded_default_loses_no_job(tmp_path: Path) -> None:
    """SIGKILL during a solve: the other worker runs it again; one result, two attempts."""
    settings = make_settings(home=tmp_path, queue_prefix=f"t{uuid.uuid4().hex[:8]}")
    kill_mid_solve_loses_no_job(settings, ["crash1", "crash2"], tmp_path, time_limit_s=4)
