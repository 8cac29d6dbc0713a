"""Pure optimisation: compile, CP-SAT model, heuristics, analysis.

Knows nothing of HTTP, Celery, databases, settings or the environment.
"""

from solver.options import SolveOptions
from solver.progress import ProgressCallback, ProgressEvent, StopCallback
from solver.solve import PlanCheckError, solve

__all__ = [
    "PlanCheckError",
    "ProgressCallback",
    "ProgressEvent",
    "SolveOptions",
    "StopCallback",
    "solve",
]
