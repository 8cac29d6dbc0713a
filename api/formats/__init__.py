"""Readers of academic benchmark formats (PSPLIB, MPLIB, MSLIB, iMOPSE, SPSP) and of
their reference values. See :mod:`api.formats.benchmark_readers` for the mapping."""

from api.formats._common import ALL_DAYS_CALENDAR, START_DATE, FormatError
from api.formats.benchmark_readers import (
    BENCHMARK_EXTENSIONS,
    FORMATS,
    detect_format,
    read_instance,
)
from api.formats.multiskill import SPSP_DAYS_PER_MONTH, read_imopse, read_mslib, read_spsp
from api.formats.rcpsp import read_mplib, read_psplib
from api.formats.reference_values import (
    PSPLIB_INFEASIBLE,
    Bounds,
    load_bounds_csv,
    load_mm_bounds_csv,
    load_mm_optima,
    load_mplib_bks,
    load_psplib_optima,
)

__all__ = [
    "ALL_DAYS_CALENDAR",
    "BENCHMARK_EXTENSIONS",
    "FORMATS",
    "PSPLIB_INFEASIBLE",
    "SPSP_DAYS_PER_MONTH",
    "START_DATE",
    "Bounds",
    "FormatError",
    "detect_format",
    "load_bounds_csv",
    "load_mm_bounds_csv",
    "load_mm_optima",
    "load_mplib_bks",
    "load_psplib_optima",
    "read_imopse",
    "read_instance",
    "read_mplib",
    "read_mslib",
    "read_psplib",
    "read_spsp",
]
