"""``python -m benchmarks.api`` end to end on the embedded default, with few requests."""

from __future__ import annotations

import re

import pytest

from benchmarks import api


def test_the_api_benchmark_prints_every_measurement(capsys: pytest.CaptureFixture[str]) -> None:
    """A smoke run: both servers start, the demo job finishes with a checked plan, and
    each measurement gets a row with a median and (where there is one) a ratio."""
    assert api.main(["--requests", "5", "--submissions", "3", "--validations", "1"]) == 0
    out = capsys.readouterr().out
    rows = [line for line in out.splitlines() if line.startswith("| ") and " ms " in line]
    assert [re.sub(r" \(\d+ pairs\)", "", row.split(" | ")[0]) for row in rows] == [
        "| GET /v1/jobs/{id}",
        "| GET /v1/jobs/{id} of a finished job",
        "| POST /v1/jobs, 150 tasks",
        "| POST /v1/jobs, 150 tasks, against a bare POST of the same body",
    ]
    for row in rows:
        optiplan_ms, bare_ms, ratio = (float(row.split(" | ")[i].split()[0]) for i in (1, 2, 3))
        assert optiplan_ms > 0 and bare_ms > 0
        assert ratio == pytest.approx(optiplan_ms / bare_ms, rel=0.02)  # printed rounded
    assert "| parse + validate 5,000 tasks (1.8 MB), in-process |" in out
    assert "| POST /v1/portfolios/validate, 5,000 tasks |" in out
