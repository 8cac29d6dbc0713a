"""Smoke run of the benchmark runner on two PSPLIB instances (the full runs are not in CI)."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from benchmarks import runner

J30 = runner.DATA / "psplib" / "j30"


@pytest.mark.skipif(not J30.exists(), reason=f"benchmark data not found at {J30}")
def test_runner_solves_and_checks_two_j30_instances(tmp_path: Path) -> None:
    """Two j30 instances, three solvers: optimal makespans equal the published optima."""
    code = runner.main(
        ["j30", "--limit", "2", "--time-limit", "10", "--workers", "1", "--out", str(tmp_path)]
    )
    assert code == 0
    (csv_file,) = tmp_path.glob("j30-*.csv")
    rows = list(csv.DictReader(csv_file.open()))
    assert len(rows) == 6
    by_solver = {(r["instance"], r["solver"]): r for r in rows}
    assert float(by_solver[("j301_1", "optiplan")]["value"]) == 43
    assert float(by_solver[("j301_1", "plain")]["value"]) == 43
    assert by_solver[("j301_1", "optiplan")]["status"] == "optimal"
    assert all(r["checked"] == "ok" for r in rows)
    assert (tmp_path / csv_file.name.replace(".csv", ".md")).exists()
