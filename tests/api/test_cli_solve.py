"""``optiplan solve``: format detection, the plan file and its summary, bad options."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from api.cli import app

DATA = Path(__file__).resolve().parent.parent / "data"


def test_solve_detects_psplib_and_writes_the_checked_plan(tmp_path: Path) -> None:
    """j301_1.sm without --format: read as PSPLIB, makespan 43 proven, plan JSON written."""
    out = tmp_path / "plan.json"
    result = CliRunner().invoke(
        app, ["solve", str(DATA / "j301_1.sm"), "--time-limit", "20", "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert "status: optimal  gap: 0.00%" in result.output
    plan = json.loads(out.read_text())
    assert plan["status"] == "optimal"
    assert plan["objective"]["makespan"] == 43
    assert plan["gap"] == 0
    assert plan["check"]["ok"] is True


def test_solve_refuses_an_unknown_format() -> None:
    """--format nope: exit code 2 and the list of formats."""
    result = CliRunner().invoke(app, ["solve", str(DATA / "j301_1.sm"), "--format", "nope"])
    assert result.exit_code == 2
    assert "unknown format 'nope'; use one of auto, json, psplib, mplib, mslib, imopse, spsp" in (
        result.output
    )


def test_solve_spsp_instance_plan_passes_the_checker(tmp_path: Path) -> None:
    """An Alba & Chicano instance (monthly salaries) solves to a checked optimal plan."""
    out = tmp_path / "plan.json"
    result = CliRunner().invoke(
        app, ["solve", str(DATA / "inst10-5-5.conf"), "--time-limit", "10", "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    plan = json.loads(out.read_text())
    assert (plan["status"], plan["objective"]["makespan"], plan["check"]["ok"]) == (
        "optimal",
        450,
        True,
    )


def test_solve_reports_an_internal_error_without_a_traceback(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A bug in the engine: one clear message, exit 3, no traceback."""

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr("workers.kinds.solve", broken)
    result = CliRunner().invoke(app, ["solve", str(DATA / "j301_1.sm"), "--quiet"])
    assert result.exit_code == 3
    assert "Traceback" not in result.output
    assert "optiplan could not plan this portfolio: internal error: RuntimeError: boom" in (
        " ".join(result.output.split())
    )
    assert "please report it with the input file" in " ".join(result.output.split())
