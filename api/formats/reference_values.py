"""Reference values of the benchmark sets: optima, best-known values and bounds.

Every loader returns a dict keyed by the instance name *without* extension, as
:func:`api.formats.benchmark_readers.read_instance` names portfolios: ``'j301_1'``,
``'j1010_1'``, ``'MPLIB1_Set3_0'``. Values are makespans in periods (= working days of
the imported portfolio).
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from pathlib import Path

#: Makespan the PSPLIB multi-mode tables use for "no feasible solution".
PSPLIB_INFEASIBLE = 16384

# "par inst makespan ..." with optional commas between the fields (j10opt.mm).
_ROW = re.compile(r"^\s*(\d+)\s*,?\s+(\d+)\s*,?\s+(\d+)\b")
_SET = re.compile(r"^(j\d+)", re.IGNORECASE)


@dataclass(frozen=True)
class Bounds:
    """Lower and upper bound of an instance's optimal makespan."""

    lb: int | None
    ub: int | None
    proven_optimal: bool
    sources: dict[str, int | None] = field(default_factory=dict)
    """The value of each source column, when the file has them (None = not given)."""


def _set_prefix(path: Path, prefix: str | None) -> str:
    if prefix is not None:
        return prefix
    match = _SET.match(path.name)
    if match is None:
        raise ValueError(
            f"{path}: cannot tell the instance set from the file name; pass prefix='j30'"
        )
    return match[1].lower()


def _table(path: Path, prefix: str | None) -> dict[str, int]:
    """``par inst makespan`` rows of a PSPLIB solution table -> {'j301_1': makespan}."""
    prefix = _set_prefix(path, prefix)
    values: dict[str, int] = {}
    for line in path.read_text(encoding="latin-1").splitlines():
        match = _ROW.match(line)
        if match:
            values[f"{prefix}{int(match[1])}_{int(match[2])}"] = int(match[3])
    if not values:
        raise ValueError(f"{path}: no 'parameter instance makespan' rows found")
    return values


def load_psplib_optima(path: Path, *, prefix: str | None = None) -> dict[str, int]:
    """Makespans of a PSPLIB single-mode table (``j30opt.sm``, ``j60hrs.sm``, ``j30hrs.sm``).

    ``prefix`` is the instance set (``'j30'``); by default it comes from the file name.
    For ``j60lb.sm`` (columns ``UB LB``) this returns the upper bounds; use
    :func:`load_bounds_csv` for lower bounds.
    """
    return _table(path, prefix)


def load_mm_optima(path: Path, *, prefix: str | None = None) -> dict[str, int | None]:
    """Makespans of a PSPLIB multi-mode table (``j10opt.mm``, ``j20opt.mm``, ``j30hrs.mm``).

    Infeasible instances (makespan 16384 in the files) map to None.
    """
    return {
        name: None if value == PSPLIB_INFEASIBLE else value
        for name, value in _table(path, prefix).items()
    }


def _optional_int(text: str | None) -> int | None:
    text = (text or "").strip()
    return int(float(text)) if text else None


def load_bounds_csv(path: Path) -> dict[str, Bounds]:
    """The PSPLIB bounds table ``bounds_j30_j60.csv``: instance -> :class:`Bounds`.

    ``sources`` holds the other columns (``psplib_opt``, ``ugent2024_ub``, ...).
    """
    bounds: dict[str, Bounds] = {}
    with path.open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            name = Path(row["instance"]).stem
            bounds[name] = Bounds(
                lb=_optional_int(row["best_lb"]),
                ub=_optional_int(row["best_ub"]),
                proven_optimal=(row.get("proven_optimal") or "").strip() == "1",
                sources={
                    key: _optional_int(value)
                    for key, value in row.items()
                    if key not in {"set", "instance", "best_lb", "best_ub", "proven_optimal"}
                },
            )
    return bounds


def load_mm_bounds_csv(path: Path) -> dict[str, Bounds]:
    """A ``name;lb;ub`` table such as ``j30_fds_lb_ub.csv`` (no header)."""
    bounds: dict[str, Bounds] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        name, lb, ub = (part.strip() for part in line.split(";")[:3])
        low, high = _optional_int(lb), _optional_int(ub)
        bounds[Path(name).stem] = Bounds(
            lb=low, ub=high, proven_optimal=low is not None and low == high
        )
    return bounds


def load_mplib_bks(path: Path) -> dict[str, int]:
    """Best-known total project makespans of ``MPLIB1_Set3_bks_tpm.csv``: instance -> value."""
    with path.open(newline="", encoding="utf-8") as handle:
        return {Path(row["instance"]).stem: int(row["bks"]) for row in csv.DictReader(handle)}
