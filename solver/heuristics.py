"""Priority-rule schedule generation: how classic PM tools level resources.

Two schedule-generation schemes (SGS) place one task at a time on per-day resource
profiles:

* **serial**: repeatedly take the eligible task of best priority and put it at the
  earliest start (over its modes) at which every rule holds;
* **parallel**: time first, priority second: among the eligible tasks, the one that can
  start earliest starts (ties by priority). It is the classic parallel scheme, with the
  decision times being the earliest feasible starts themselves (a task that overlap
  lags or SS/FF links allow to start before the current time may still fill a gap).

A task is *eligible* once all of its predecessors are scheduled (every dependency type,
and for a project ``depends_on`` every task of the prerequisite project), so each task's
earliest start follows from dates already fixed, whatever the lag's sign. Done,
in-progress and pinned tasks are placed first, at their fixed dates; a not-yet-placed
predecessor of a fixed task gets the matching latest start/end.

Resources are numpy profiles, day x person (remaining capacity in percent, absences
already zero) and day x pool (remaining units, capacity steps applied); a window is a
slice of rows checked with one reduction, and a blocked window jumps past its last
blocking day. Work of in-progress tasks holds resources from the status date only; done
tasks hold none, but their person requirements are still filled (history is not checked
against capacity, skills or absences, the number of people is); milestones use nothing.

Semantics follow docs/rules.md, with these heuristic choices:

* modes: every mode is tried, the one that finishes earliest wins (ties: the cheaper);
* person groups: ``count`` distinct eligible people free over the whole window, the
  cheapest first, then the least versatile (fewest skills), then the least loaded;
* consumables: a mode is allowed only if the amount it uses beyond the task's minimum
  still leaves the minimum of every unscheduled task available;
* selection: mandatory projects (and what they need) always; optional projects are
  added by decreasing value when they fit (exclusive groups, consumable minimums), and
  an optional project whose task cannot be placed (deadline, consumables, resources)
  is dropped with every project that needs it; a failing mandatory task fails the run;
* budgets are **ignored**: the CP-SAT model enforces them, and the solve facade only
  uses a heuristic plan that the independent checker accepts.

Entry points: :func:`serial_sgs`, :func:`parallel_sgs` (one :class:`PriorityRule`) and
:func:`best_heuristic` (every rule with both schemes, best by an objective).
"""

from __future__ import annotations

import heapq
import random
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from enum import StrEnum

import numpy as np
import numpy.typing as npt

from models import DependencyType
from solver.compile import ModeData, Problem
from solver.schedule import Assignment, Schedule, TaskChoice

IntArray = npt.NDArray[np.int64]

INF = 1 << 40  # "no bound" on the grid (fits int64, far beyond any horizon)

_FS, _SS, _FF, _SF = 0, 1, 2, 3
_TYPE_CODE = {
    DependencyType.FS: _FS,
    DependencyType.SS: _SS,
    DependencyType.FF: _FF,
    DependencyType.SF: _SF,
}

Edge = tuple[int, int, int]  # (other node, type code, lag)

_least = np.minimum.reduce  # without the wrapper of ndarray.min: this runs very often


class PriorityRule(StrEnum):
    """Which eligible task goes first (ties: latest finish time, then task order)."""

    LATEST_FINISH = "latest_finish"  # smallest latest finish time (backward pass)
    MINIMUM_SLACK = "minimum_slack"  # smallest latest start minus earliest start
    MOST_SUCCESSORS = "most_successors"  # most direct and indirect successors
    PROJECT_PRIORITY = "project_priority"  # highest project priority
    SHORTEST_DURATION = "shortest_duration"  # shortest duration (of the shortest mode)


class Scheme(StrEnum):
    """Schedule-generation scheme."""

    SERIAL = "serial"
    PARALLEL = "parallel"


class _RunFailedError(Exception):
    """A task of a project that must be selected cannot be placed: the run fails."""


@dataclass(frozen=True)
class _Group:
    eligible: IntArray
    count: int
    allocation: int
    requirement: int | None


@dataclass(frozen=True)
class _Mode:
    duration: int
    pools: tuple[tuple[int, int], ...]
    named: tuple[tuple[int, int, int | None], ...]
    groups: tuple[_Group, ...]
    consumption: IntArray | None  # per consumable; None when the portfolio has none
    base_cost: int  # one-off cost plus pools and named people over the duration (cents)


@dataclass(frozen=True)
class _Option:
    start: int
    end: int
    mode: int
    free: tuple[IntArray, ...]  # per group: eligible people free over the window
    people: tuple[Assignment, ...] | None  # chosen lazily from ``free`` when None


Found = tuple[int, tuple[IntArray, ...], tuple[Assignment, ...] | None]


# --------------------------------------------------------------------------- preparation
class _Prepared:
    """Everything the runs share: the network, bounds, ranks, selection and profiles."""

    def __init__(self, problem: Problem) -> None:
        self.problem = problem
        tasks = problem.tasks
        n = self.n = problem.n_tasks
        n_projects = len(problem.project_ids)
        self.project_of = [t.project for t in tasks]
        self.n_people = len(problem.person_ids)
        self.n_pools = len(problem.pool_ids)
        self.n_consumables = len(problem.consumable_ids)
        self.rate = problem.person_rate_cents.astype(np.int64)
        self.versatility = np.array(
            [len(p.skills) for p in problem.portfolio.people], dtype=np.int64
        ).reshape(self.n_people)
        # docs/rules.md: a milestone uses no resources (people, pools or consumables),
        # whatever requirements the task lists; TaskData does not say which are milestones.
        milestones = {
            task.id
            for project in problem.portfolio.projects
            for task in project.tasks
            if task.milestone
        }
        self.modes = [[self._mode(m, t.id in milestones) for m in t.modes] for t in tasks]
        # People of the same (rate, number of skills) share a tier; tiers go cheapest first.
        pairs = [(int(r), int(v)) for r, v in zip(self.rate, self.versatility, strict=True)]
        tier_of = {pair: k for k, pair in enumerate(sorted(set(pairs)))}
        self.tier = np.array([tier_of[pair] << 40 for pair in pairs], dtype=np.int64).reshape(
            self.n_people
        )

        # Network: tasks 0..n-1, then one node per project that others depend on
        # (that project's end), linked FS 0 from its tasks and to the dependents' tasks.
        depended = sorted({q for qs in problem.project_depends_on for q in qs})
        self.end_node = {q: n + k for k, q in enumerate(depended)}
        self.node_project = {node: q for q, node in self.end_node.items()}
        self.n_nodes = n + len(depended)
        self.preds: list[list[Edge]] = [[] for _ in range(self.n_nodes)]
        self.succs: list[list[Edge]] = [[] for _ in range(self.n_nodes)]
        for link in problem.precedences:
            code = _TYPE_CODE[link.type]
            self.preds[link.successor].append((link.predecessor, code, link.lag))
            self.succs[link.predecessor].append((link.successor, code, link.lag))
        for q, node in self.end_node.items():
            for t in problem.project_tasks[q]:
                self.preds[node].append((t, _FS, 0))
                self.succs[t].append((node, _FS, 0))
        for p, prerequisites in enumerate(problem.project_depends_on):
            for q in prerequisites:
                node = self.end_node[q]
                for t in problem.project_tasks[p]:
                    self.preds[t].append((node, _FS, 0))
                    self.succs[node].append((t, _FS, 0))
        self.topo = _topological(self.n_nodes, self.preds, self.succs)
        self.fixed = [t.fixed_start is not None for t in tasks]
        self.has_fixed_succ = [
            any(s < n and self.fixed[s] for s, _, _ in self.succs[t]) for t in range(n)
        ]
        self.dmin = [0] * self.n_nodes
        self.dmax = [0] * self.n_nodes
        for t, data in enumerate(tasks):
            if data.fixed_start is not None and data.fixed_end is not None:
                self.dmin[t] = self.dmax[t] = data.fixed_end - data.fixed_start
            else:
                durations = [m.duration for m in data.modes]
                self.dmin[t], self.dmax[t] = min(durations), max(durations)

        # Priorities: forward pass (earliest start), backward pass towards the deadlines,
        # due dates and the critical-path length (latest finish / latest start).
        self.es = self._forward()
        cpm_end = max([self.es[t] + self.dmin[t] for t in range(n)], default=0)
        soft_end = [INF] * self.n_nodes
        for t, data in enumerate(tasks):
            bound = cpm_end if data.latest_end is None else min(cpm_end, data.latest_end)
            due = problem.project_due_end[data.project]
            soft_end[t] = bound if due is None else min(bound, due)
        self.soft_ls, self.soft_le = self._backward(soft_end, None)
        self._hard: dict[tuple[bool, ...], tuple[list[int], list[int]]] = {}

        # Selection.
        self.requires: list[set[int]] = [set(qs) for qs in problem.project_depends_on]
        for link in problem.precedences:
            a, b = tasks[link.predecessor].project, tasks[link.successor].project
            if a != b:
                self.requires[b].add(a)
        self.dependents: list[set[int]] = [set() for _ in range(n_projects)]
        for p, needed in enumerate(self.requires):
            for q in needed:
                self.dependents[q].add(p)
        self.min_use: list[IntArray | None] = []
        for t, data in enumerate(tasks):
            vectors = [m.consumption for m in self.modes[t] if m.consumption is not None]
            if not vectors:
                self.min_use.append(None)
            elif data.done:
                self.min_use.append(vectors[0])
            else:
                self.min_use.append(np.min(np.stack(vectors), axis=0))
        self.forced, self.selection = self._select()

        # Resource profiles before any task.
        self.person_base, self.pool_base, self.static_quiet = self._profiles()

    # -- static data ------------------------------------------------------------------------
    def _mode(self, mode: ModeData, milestone: bool) -> _Mode:
        if milestone:
            mode = replace(mode, pools=(), named=(), groups=(), consumables=(), pool_rate_cents=0)
        consumption: IntArray | None = None
        if self.n_consumables:
            consumption = np.zeros(self.n_consumables, dtype=np.int64)
            for k, amount in mode.consumables:
                consumption[k] += amount
        named_daily = sum(int(self.rate[p]) * a for p, a, _ in mode.named)  # cents x %
        daily = mode.pool_rate_cents * 100 + named_daily
        return _Mode(
            duration=mode.duration,
            pools=mode.pools,
            named=mode.named,
            groups=tuple(
                _Group(np.array(g.eligible, dtype=np.int64), g.count, g.allocation, g.requirement)
                for g in mode.groups
            ),
            consumption=consumption,
            base_cost=mode.one_off_cents * 100 + daily * mode.duration,
        )

    def _profiles(self) -> tuple[IntArray, IntArray, int]:
        problem = self.problem
        quiet = problem.start_index
        for ranges in problem.person_absences:
            for _, end in ranges:
                quiet = max(quiet, end)
        for steps in problem.pool_capacity_steps:
            for first, _ in steps:
                quiet = max(quiet, first)
        longest = max((max(self.dmax[t], 0) for t in range(self.n)), default=0)
        fixed_end = max(
            [t.fixed_end for t in problem.tasks if t.fixed_end is not None]
            + [t.fixed_start for t in problem.tasks if t.fixed_start is not None]
            + [0]
        )
        # Room for a typical plan; a run grows its profiles when a task ends beyond.
        size = min(problem.horizon, max(quiet, fixed_end) + 4 * longest + 1024) + longest + 2
        # Day-major (day x resource): a window is a block of rows, and one reduction
        # over it gives every person's (pool's) least free capacity in the window.
        people = np.tile(problem.person_capacity.astype(np.int64), (size, 1))
        people = people.reshape(size, self.n_people)
        for person, ranges in enumerate(problem.person_absences):
            for first, end in ranges:
                people[max(first, 0) : end, person] = 0
        pools = np.zeros((size, self.n_pools), dtype=np.int64)
        for pool, steps in enumerate(problem.pool_capacity_steps):
            for k, (first, units) in enumerate(steps):
                end = steps[k + 1][0] if k + 1 < len(steps) else size
                pools[max(first, 0) : end, pool] = units
        return people, pools, quiet

    def _forward(self) -> list[int]:
        tasks = self.problem.tasks
        es = [0] * self.n_nodes
        for node in self.topo:
            if node < self.n and tasks[node].fixed_start is not None:
                es[node] = tasks[node].fixed_start or 0
                continue
            start = tasks[node].earliest if node < self.n else 0
            end_bound = -INF
            for p, code, lag in self.preds[node]:
                if code == _FS:
                    start = max(start, es[p] + self.dmin[p] + lag)
                elif code == _SS:
                    start = max(start, es[p] + lag)
                elif code == _FF:
                    end_bound = max(end_bound, es[p] + self.dmin[p] + lag)
                else:
                    end_bound = max(end_bound, es[p] + lag)
            es[node] = max(start, end_bound - self.dmin[node])
        return es

    def _backward(
        self, end_bound: list[int], active: list[bool] | None
    ) -> tuple[list[int], list[int]]:
        """Latest starts and ends: a relaxation (successors at their shortest modes)."""
        tasks = self.problem.tasks
        ls = [INF] * self.n_nodes
        le = [INF] * self.n_nodes
        for node in reversed(self.topo):
            if node < self.n:
                data = tasks[node]
                if data.fixed_start is not None:
                    ls[node] = data.fixed_start
                    le[node] = (
                        data.fixed_end
                        if data.fixed_end is not None
                        else data.fixed_start + self.dmax[node]
                    )
                    continue
            latest_end = end_bound[node]
            start_bound = INF
            for s, code, lag in self.succs[node]:
                if active is not None and not active[s]:
                    continue
                if code == _FS:
                    latest_end = min(latest_end, ls[s] - lag)
                elif code == _SS:
                    start_bound = min(start_bound, ls[s] - lag)
                elif code == _FF:
                    latest_end = min(latest_end, le[s] - lag)
                else:
                    start_bound = min(start_bound, le[s] - lag)
            ls[node] = min(start_bound, latest_end - self.dmin[node])
            le[node] = min(latest_end, ls[node] + self.dmax[node])
        return ls, le

    def hard_bounds(self, selected: list[bool]) -> tuple[list[int], list[int]]:
        """Latest start/end of each node from deadlines and fixed tasks of the selection."""
        key = tuple(selected)
        if key not in self._hard:
            active = [self.active(node, selected) for node in range(self.n_nodes)]
            bound = [INF] * self.n_nodes
            for t, data in enumerate(self.problem.tasks):
                if data.latest_end is not None:
                    bound[t] = data.latest_end - (1 if self.dmax[t] == 0 else 0)
            self._hard[key] = self._backward(bound, active)
        return self._hard[key]

    def active(self, node: int, selected: list[bool]) -> bool:
        """Whether a node belongs to a selected project."""
        if node < self.n:
            return selected[self.project_of[node]]
        return selected[self.node_project[node]]

    def ranks(self, rule: PriorityRule) -> list[int]:
        """Rank of each task under ``rule`` (0 goes first)."""
        n = self.n
        index = np.arange(n, dtype=np.int64)
        lft = np.array(self.soft_le[:n], dtype=np.int64)
        keys: list[IntArray]
        if rule == PriorityRule.LATEST_FINISH:
            keys = [lft]
        elif rule == PriorityRule.MINIMUM_SLACK:
            keys = [np.array(self.soft_ls[:n], dtype=np.int64) - np.array(self.es[:n]), lft]
        elif rule == PriorityRule.MOST_SUCCESSORS:
            keys = [-self._successor_counts(), lft]
        elif rule == PriorityRule.PROJECT_PRIORITY:
            priority = self.problem.project_priority.astype(np.int64)
            keys = [-priority[np.array(self.project_of, dtype=np.int64)], lft]
        else:
            keys = [np.array(self.dmin[:n], dtype=np.int64), lft]
        order = np.lexsort((index, *reversed(keys))) if n else index
        rank = np.empty(n, dtype=np.int64)
        rank[order] = index
        return [int(r) for r in rank]

    def _successor_counts(self) -> IntArray:
        reach = [0] * self.n_nodes
        for node in reversed(self.topo):
            bits = 0
            for s, _, _ in self.succs[node]:
                bits |= reach[s] | (1 << s)
            reach[node] = bits
        mask = (1 << self.n) - 1
        return np.array([(reach[t] & mask).bit_count() for t in range(self.n)], dtype=np.int64)

    def project_use(self, project: int) -> IntArray | None:
        """Least consumable use of a project's tasks."""
        if not self.n_consumables:
            return None
        total = np.zeros(self.n_consumables, dtype=np.int64)
        for t in self.problem.project_tasks[project]:
            use = self.min_use[t]
            if use is not None:
                total += use
        return total

    def _closure(self, projects: Iterable[int]) -> set[int]:
        result: set[int] = set()
        stack = list(projects)
        while stack:
            p = stack.pop()
            if p not in result:
                result.add(p)
                stack.extend(self.requires[p])
        return result

    def _select(self) -> tuple[list[bool], list[bool] | None]:
        """Forced projects (mandatory and what they need) and the initial selection."""
        problem = self.problem
        n_projects = len(problem.project_ids)
        forced_set = self._closure(p for p in range(n_projects) if problem.project_mandatory[p])
        forced = [p in forced_set for p in range(n_projects)]
        groups = problem.exclusive_groups

        def fits(chosen: set[int]) -> bool:
            if any(sum(p in chosen for p in group) > 1 for group in groups):
                return False
            if self.n_consumables:
                use = np.zeros(self.n_consumables, dtype=np.int64)
                for p in chosen:
                    project_use = self.project_use(p)
                    assert project_use is not None
                    use += project_use
                return bool((use <= problem.consumable_totals).all())
            return True

        if not fits(forced_set):
            return forced, None
        chosen = set(forced_set)
        candidates = sorted(
            (p for p in range(n_projects) if p not in forced_set),
            key=lambda p: (
                -int(problem.project_value_cents[p]),
                -int(problem.project_priority[p]),
                p,
            ),
        )
        for p in candidates:
            if p in chosen:
                continue
            trial = chosen | self._closure([p])
            if fits(trial):
                chosen = trial
        return forced, [p in chosen for p in range(n_projects)]


def _topological(n_nodes: int, preds: list[list[Edge]], succs: list[list[Edge]]) -> list[int]:
    """Kahn's order of the nodes; nodes on a cycle are left out (they never get eligible)."""
    remaining = [len(p) for p in preds]
    ready = [node for node in range(n_nodes) if remaining[node] == 0]
    order: list[int] = []
    while ready:
        node = ready.pop()
        order.append(node)
        for s, _, _ in succs[node]:
            remaining[s] -= 1
            if remaining[s] == 0:
                ready.append(s)
    return order


# --------------------------------------------------------------------------- one run
class _Run:
    """One schedule generation for a given selection, priority and scheme."""

    def __init__(self, prep: _Prepared, rank: list[int], selected: list[bool]) -> None:
        self.prep = prep
        self.problem = prep.problem
        self.rank = rank
        self.selected = list(selected)
        n = prep.n
        self.people_free = prep.person_base.copy()
        self.pool_free = prep.pool_base.copy()
        self.size = self.people_free.shape[0]
        self.start = [0] * n
        self.end = [0] * n
        self.mode = [0] * n
        self.people: list[tuple[Assignment, ...]] = [()] * n
        self.usage: dict[int, tuple[int, int, list[tuple[int, int]], list[tuple[int, int]]]] = {}
        self.scheduled = [False] * prep.n_nodes
        self.released = [False] * prep.n_nodes
        self.pending = [0] * prep.n_nodes
        self.node_value = [0] * prep.n_nodes
        self.quiet = prep.static_quiet
        self.load = np.zeros(prep.n_people, dtype=np.int64)
        self.used = np.zeros(prep.n_consumables, dtype=np.int64)
        self.reserve = np.zeros(prep.n_consumables, dtype=np.int64)
        self.dropped = False
        self.ls, self.le = prep.hard_bounds(self.selected)
        if prep.n_consumables:
            for t in range(n):
                use = prep.min_use[t]
                if use is not None and self.selected[prep.project_of[t]]:
                    self.reserve += use

    # -- entry ---------------------------------------------------------------------------
    def run(self, scheme: Scheme) -> Schedule | None:
        """The schedule, or None when a task of a forced project cannot be placed."""
        try:
            self._place_fixed_tasks()
            if scheme == Scheme.SERIAL:
                self._serial()
            else:
                self._parallel()
        except _RunFailedError:
            return None
        prep = self.prep
        if any(self.selected[prep.project_of[t]] and not self.scheduled[t] for t in range(prep.n)):
            return None  # a cycle through dependencies and project prerequisites
        schedule = Schedule(
            selected=tuple(self.selected),
            tasks=tuple(
                TaskChoice(self.start[t], self.end[t], self.mode[t], self.people[t])
                if self.selected[prep.project_of[t]]
                else None
                for t in range(prep.n)
            ),
        )
        return schedule if _dates_ok(self.problem, schedule) else None

    # -- schemes ---------------------------------------------------------------------------
    def _serial(self) -> None:
        heap: list[tuple[int, int]] = []

        def push(t: int) -> None:
            heapq.heappush(heap, (self.rank[t], t))

        self._release_initial(push)
        while heap:
            _, t = heapq.heappop(heap)
            if self.scheduled[t] or not self._selected(t):
                continue
            option = self._option(t, -INF)
            if option is None:
                self._fail(t)
                continue
            self._commit(t, option, option.start)
            self._release_after(t, push)

    def _parallel(self) -> None:
        # Heap keys are lower bounds on each task's earliest feasible start (resources
        # only fill up), so popping the smallest (time, rank) and starting the task if
        # it fits at that time is the parallel scheme: at the earliest time anything
        # can start, the best-ranked task that can start does. A task that does not fit
        # goes back with the next time worth trying (one window checked per pop).
        heap: list[tuple[int, int, int]] = []
        limits: dict[int, tuple[int, int, int, int]] = {}

        def push(t: int) -> None:
            limits[t] = self._limits(t)  # its predecessors are placed: final
            start, end_bound, _, _ = limits[t]
            key = min(max(start, end_bound - m.duration) for m in self.prep.modes[t])
            heapq.heappush(heap, (key, self.rank[t], t))

        self._release_initial(push)
        while heap:
            time, _, t = heapq.heappop(heap)
            if self.scheduled[t] or not self._selected(t):
                continue
            modes = self.prep.modes[t]
            if len(modes) > 1:
                option = self._option(t, time)
                if option is None:
                    self._fail(t)
                elif option.start > time:
                    heapq.heappush(heap, (option.start, self.rank[t], t))
                else:
                    self._commit(t, option, option.start)
                    self._release_after(t, push)
                continue
            mode, d = modes[0], modes[0].duration
            start, end_bound, latest_start, latest_end = limits[t]
            first = max(time, start, end_bound - d)
            last = min(latest_start, latest_end - d)
            deadline_end = self.problem.tasks[t].latest_end
            if d == 0 and deadline_end is not None:
                last = min(last, deadline_end - 1)
            if first > last or not self._allowed(t, 0):
                self._fail(t)
                continue
            probe = self._probe(mode, first)
            if isinstance(probe, tuple):
                option = _Option(first, first + d, 0, probe[1], probe[2])
                self._commit(t, option, first)
                self._release_after(t, push)
            elif probe > last or first >= self.quiet:
                self._fail(t)  # past its latest start, or blocked where all is free
            else:
                heapq.heappush(heap, (probe, self.rank[t], t))

    # -- eligibility -------------------------------------------------------------------------
    def _selected(self, node: int) -> bool:
        return self.prep.active(node, self.selected)

    def _release_initial(self, push: Callable[[int], None]) -> None:
        prep = self.prep
        for node in range(prep.n_nodes):
            if self._selected(node):
                self.pending[node] = sum(
                    1 for p, _, _ in prep.preds[node] if self._selected(p) and not self.scheduled[p]
                )
        for node in range(prep.n_nodes):
            if (
                self._selected(node)
                and self.pending[node] == 0
                and not self.released[node]
                and not self.scheduled[node]
            ):
                self._release(node, push)

    def _release(self, node: int, push: Callable[[int], None]) -> None:
        self.released[node] = True
        if node < self.prep.n:
            if not self.scheduled[node]:
                push(node)
            return
        project = self.prep.node_project[node]
        self.node_value[node] = max(
            (self.end[t] for t in self.problem.project_tasks[project]), default=0
        )
        self.scheduled[node] = True
        self._release_after(node, push)

    def _release_after(self, node: int, push: Callable[[int], None]) -> None:
        for s, _, _ in self.prep.succs[node]:
            if not self._selected(s) or self.scheduled[s]:
                continue
            self.pending[s] -= 1
            if self.pending[s] == 0 and not self.released[s]:
                self._release(s, push)

    # -- failure and dropping ----------------------------------------------------------------
    def _fail(self, t: int) -> None:
        project = self.prep.project_of[t]
        if self.prep.forced[project]:
            raise _RunFailedError
        self._drop(project)

    def _drop(self, project: int) -> None:
        prep = self.prep
        stack, dropped = [project], set()
        while stack:
            p = stack.pop()
            if p in dropped or not self.selected[p]:
                continue
            if prep.forced[p]:
                raise _RunFailedError
            dropped.add(p)
            stack.extend(prep.dependents[p])
        for p in dropped:
            self.selected[p] = False
            for t in self.problem.project_tasks[p]:
                if self.scheduled[t]:
                    self._undo(t)
                elif prep.n_consumables:
                    use = prep.min_use[t]
                    if use is not None:
                        self.reserve -= use
        self.dropped = True

    def _undo(self, t: int) -> None:
        record = self.usage.pop(t, None)
        if record is not None:
            first, end, persons, pools = record
            for person, allocation in persons:
                self.people_free[first:end, person] += allocation
                self.load[person] -= allocation * (end - first)
            for pool, units in pools:
                self.pool_free[first:end, pool] += units
        consumption = self.prep.modes[t][self.mode[t]].consumption
        if consumption is not None:
            self.used -= consumption
        self.scheduled[t] = False

    # -- fixed tasks ---------------------------------------------------------------------------
    def _place_fixed_tasks(self) -> None:
        prep, tasks = self.prep, self.problem.tasks
        fixed = [t for t in range(prep.n) if prep.fixed[t] and self._selected(t)]

        def order(t: int) -> tuple[int, int, int, int]:
            # Done first (no resources); then the tasks whose needs leave no choice (one
            # mode, no group), so that a group of another fixed task does not take a
            # person they name; then in progress before pinned, by date.
            data, modes = tasks[t], prep.modes[t]
            flexible = len(modes) > 1 or any(m.groups for m in modes)
            kind = 0 if data.done else 1 if data.work_start is not None else 2
            return (int(not data.done) + int(flexible), kind, data.fixed_start or 0, t)

        fixed.sort(key=order)
        for t in fixed:
            if not self._selected(t):
                continue  # dropped with an earlier fixed task of its project
            data = tasks[t]
            assert data.fixed_start is not None
            if data.done:
                assert data.fixed_end is not None
                # History: no capacity, absences or skills, but every requirement is
                # still filled (the checker counts the people of each requirement).
                mode = prep.modes[t][0]
                free = tuple(g.eligible for g in mode.groups)
                people = self._assign(mode, free)
                if people is None:
                    self._fail(t)
                    continue
                option = _Option(data.fixed_start, data.fixed_end, 0, free, people)
                self._commit(t, option, None)
                continue
            first = data.work_start if data.work_start is not None else data.fixed_start
            candidates: list[_Option] = []
            for m, mode in enumerate(prep.modes[t]):
                if not self._allowed(t, m):
                    continue
                end = data.fixed_end if data.fixed_end is not None else first + mode.duration
                deadline_end = data.latest_end
                if deadline_end is not None and max(end, data.fixed_start + 1) > deadline_end:
                    continue
                found = self._search(mode, first, first)
                if found is not None:
                    candidates.append(_Option(data.fixed_start, end, m, found[1], found[2]))
            best = self._cheapest(t, candidates)
            if best is None:
                self._fail(t)
            else:
                self._commit(t, best, first)

    # -- placing a task ----------------------------------------------------------------------
    def _allowed(self, t: int, m: int) -> bool:
        """Whether mode ``m`` leaves enough consumables for every unscheduled task."""
        prep = self.prep
        consumption = prep.modes[t][m].consumption
        if consumption is None:
            return True
        minimum = prep.min_use[t]
        assert minimum is not None
        slack = self.problem.consumable_totals - self.used - self.reserve
        return bool((consumption - minimum <= slack).all())

    def _limits(self, t: int) -> tuple[int, int, int, int]:
        """(earliest start, earliest end, latest start, latest end) from placed neighbours."""
        prep = self.prep
        start = self.problem.tasks[t].earliest
        end_bound = -INF
        n = prep.n
        for p, code, lag in prep.preds[t]:
            if p >= n:
                start = max(start, self.node_value[p])
            elif not self._selected(p):
                continue
            elif code == _FS:
                start = max(start, self.end[p] + lag)
            elif code == _SS:
                start = max(start, self.start[p] + lag)
            elif code == _FF:
                end_bound = max(end_bound, self.end[p] + lag)
            else:
                end_bound = max(end_bound, self.start[p] + lag)
        latest_start, latest_end = self.ls[t], self.le[t]
        if prep.has_fixed_succ[t]:
            for s, code, lag in prep.succs[t]:
                if s >= n or not self.scheduled[s] or not self._selected(s):
                    continue
                if code == _FS:
                    latest_end = min(latest_end, self.start[s] - lag)
                elif code == _SS:
                    latest_start = min(latest_start, self.start[s] - lag)
                elif code == _FF:
                    latest_end = min(latest_end, self.end[s] - lag)
                else:
                    latest_start = min(latest_start, self.end[s] - lag)
        return start, end_bound, latest_start, latest_end

    def _option(self, t: int, floor: int) -> _Option | None:
        """The earliest-finishing way (mode, start, free people) to do task ``t``."""
        start, end_bound, latest_start, latest_end = self._limits(t)
        deadline_end = self.problem.tasks[t].latest_end
        start = max(start, floor)
        candidates: list[_Option] = []
        best_end = INF
        for m, mode in enumerate(self.prep.modes[t]):
            if not self._allowed(t, m):
                continue
            d = mode.duration
            first = max(start, end_bound - d)
            last = min(latest_start, latest_end - d, best_end - d)  # no later than the best
            if d == 0 and deadline_end is not None:
                last = min(last, deadline_end - 1)  # a milestone finishes on its start day
            if first > last:
                continue
            found = self._search(mode, first, last)
            if found is None:
                continue
            s = found[0]
            if s + d < best_end:
                candidates.clear()
                best_end = s + d
            candidates.append(_Option(s, s + d, m, found[1], found[2]))
        return self._cheapest(t, candidates)

    def _cheapest(self, t: int, candidates: list[_Option]) -> _Option | None:
        """The candidate that ends first, then costs least, then comes first."""
        if len(candidates) <= 1:
            return candidates[0] if candidates else None
        best: tuple[tuple[int, int, int], _Option] | None = None
        for option in candidates:
            mode = self.prep.modes[t][option.mode]
            people = self._people(t, option)
            chosen = sum(
                int(self.prep.rate[a.person]) * a.allocation for a in people[len(mode.named) :]
            )
            key = (option.end, mode.base_cost + chosen * mode.duration, option.mode)
            if best is None or key < best[0]:
                best = (key, replace(option, people=people))
        assert best is not None
        return best[1]

    def _people(self, t: int, option: _Option) -> tuple[Assignment, ...]:
        if option.people is not None:
            return option.people
        people = self._assign(self.prep.modes[t][option.mode], option.free)
        assert people is not None  # one group with enough free people, or checked jointly
        return people

    def _grow(self, end: int) -> None:
        size = max(2 * self.size, end + 1)
        extra = size - self.size
        problem = self.problem
        people_tail = np.tile(problem.person_capacity.astype(np.int64), (extra, 1))
        last_units = [steps[-1][1] for steps in problem.pool_capacity_steps]
        pool_tail = np.tile(np.array(last_units, dtype=np.int64), (extra, 1))
        self.people_free = np.concatenate(
            [self.people_free, people_tail.reshape(extra, self.prep.n_people)]
        )
        pool_tail = pool_tail.reshape(extra, self.prep.n_pools)
        self.pool_free = np.concatenate([self.pool_free, pool_tail])
        self.size = size

    def _search(self, mode: _Mode, first: int, last: int) -> Found | None:
        """Earliest start in ``[first, last]`` where the mode's resources are free.

        Returns the start, the free people of each group and, when the groups had to be
        filled jointly (several groups), the people chosen.
        """
        s = first
        limit = min(last, max(first, self.quiet))  # past ``quiet`` everything is free
        while s <= limit:
            probe = self._probe(mode, s)
            if isinstance(probe, tuple):
                return probe
            s = probe
        return None

    def _probe(self, mode: _Mode, s: int) -> Found | int:
        """The mode's resources over ``[s, s + duration)``: free, or the next start to try.

        A blocked window jumps past its last blocking day: a lower bound on the next
        feasible start, since profiles only ever decrease. ``INF``: never feasible.
        """
        d = mode.duration
        if d == 0:
            everyone = tuple(g.eligible for g in mode.groups)
            people = self._assign(mode, everyone)
            return INF if people is None else (s, everyone, people)
        e = s + d
        if e > self.size:
            self._grow(e)
        nxt = s
        if mode.pools:
            pool_window = self.pool_free[s:e]
            pool_least = _least(pool_window, axis=0)
            for pool, units in mode.pools:
                if pool_least[pool] < units:
                    bad = (pool_window[:, pool] < units).nonzero()[0]
                    nxt = max(nxt, s + int(bad[-1]) + 1)
        if mode.named or mode.groups:
            window = self.people_free[s:e]
            least = _least(window, axis=0)
            for person, allocation, _ in mode.named:
                if least[person] < allocation:
                    bad = (window[:, person] < allocation).nonzero()[0]
                    nxt = max(nxt, s + int(bad[-1]) + 1)
        if nxt > s:
            return nxt
        free: list[IntArray] = []
        for group in mode.groups:
            fits = least[group.eligible] >= group.allocation
            ok = group.eligible[fits]
            if ok.size < group.count:
                # The group fits once ``need`` more people are past their last blocking
                # day: jump to the need-th earliest such day.
                need = group.count - int(ok.size)
                blocked = window[:, group.eligible[~fits]] < group.allocation
                if blocked.shape[1] < need:
                    return INF
                last_bad = d - 1 - blocked[::-1].argmax(axis=0)
                kth = last_bad.min() if need == 1 else np.sort(last_bad)[need - 1]
                nxt = max(nxt, s + int(kth) + 1)
            free.append(ok)
        if nxt > s:
            return nxt
        if len(free) <= 1:
            return s, tuple(free), None
        people = self._assign(mode, free)
        if people is None:
            return s + 1  # the groups compete for the same people: try the next day
        return s, tuple(free), people

    def _assign(self, mode: _Mode, free: Sequence[IntArray]) -> tuple[Assignment, ...] | None:
        """Named people, then ``count`` distinct free people per group (preferred first)."""
        named = [Assignment(p, a, r) for p, a, r in mode.named]
        if not mode.groups:
            return tuple(named)
        # Preference: cheapest, then fewest skills, then least loaded, then list order,
        # as one int64 key (the load term stays far below 2**40).
        n_people = self.prep.n_people
        if len(mode.groups) == 1:
            group, ok = mode.groups[0], free[0]
            if ok.size < group.count:
                return None
            key = self.prep.tier[ok] + self.load[ok] * n_people + ok
            best = ok[np.argsort(key)[: group.count]] if group.count > 1 else ok[[key.argmin()]]
            named.extend(Assignment(int(p), group.allocation, group.requirement) for p in best)
            return tuple(named)
        preferred: list[list[int]] = []
        for ok in free:
            key = self.prep.tier[ok] + self.load[ok] * n_people + ok
            preferred.append([int(p) for p in ok[np.argsort(key)]])
        chosen: list[list[int]] | None = []
        used: set[int] = set()
        for group, candidates in zip(mode.groups, preferred, strict=True):
            pick = [p for p in candidates if p not in used][: group.count]
            if len(pick) < group.count:
                chosen = _match(mode.groups, preferred)
                break
            used.update(pick)
            assert chosen is not None
            chosen.append(pick)
        if chosen is None:
            return None
        for group, persons in zip(mode.groups, chosen, strict=True):
            named.extend(Assignment(p, group.allocation, group.requirement) for p in persons)
        return tuple(named)

    def _commit(self, t: int, option: _Option, first: int | None) -> None:
        """Record the choice; ``first`` is where resource use starts (None: done task)."""
        prep = self.prep
        self.start[t], self.end[t], self.mode[t] = option.start, option.end, option.mode
        people = self.people[t] = self._people(t, option)
        self.scheduled[t] = True
        mode = prep.modes[t][option.mode]
        if mode.consumption is not None:
            self.used += mode.consumption
            minimum = prep.min_use[t]
            assert minimum is not None
            self.reserve -= minimum
        if first is None or option.end <= first:
            return
        end = option.end
        if end > self.size:
            self._grow(end)
        persons = [(a.person, a.allocation) for a in people]
        for person, allocation in persons:
            self.people_free[first:end, person] -= allocation
            self.load[person] += allocation * (end - first)
        for pool, units in mode.pools:
            self.pool_free[first:end, pool] -= units
        self.usage[t] = (first, end, persons, list(mode.pools))
        self.quiet = max(self.quiet, end)


def _match(groups: tuple[_Group, ...], preferred: list[list[int]]) -> list[list[int]] | None:
    """Distinct people for every group's slots (augmenting paths), or None."""
    slots = [g for g, group in enumerate(groups) for _ in range(group.count)]
    holder: dict[int, int] = {}  # person -> slot

    def place(slot: int, seen: set[int]) -> bool:
        for person in preferred[slots[slot]]:
            if person in seen:
                continue
            seen.add(person)
            if person not in holder or place(holder[person], seen):
                holder[person] = slot
                return True
        return False

    for slot in range(len(slots)):
        if not place(slot, set()):
            return None
    chosen: list[list[int]] = [[] for _ in groups]
    for person, slot in sorted(holder.items(), key=lambda item: item[1]):
        chosen[slots[slot]].append(person)
    return chosen


def _dates_ok(problem: Problem, schedule: Schedule) -> bool:
    """Dependencies, project prerequisites, release, pinned dates and deadlines hold."""
    choices = schedule.tasks
    for link in problem.precedences:
        pred, succ = choices[link.predecessor], choices[link.successor]
        if succ is None:
            continue
        if pred is None:
            return False
        if link.type == DependencyType.FS:
            ok = succ.start >= pred.end + link.lag
        elif link.type == DependencyType.SS:
            ok = succ.start >= pred.start + link.lag
        elif link.type == DependencyType.FF:
            ok = succ.end >= pred.end + link.lag
        else:
            ok = succ.end >= pred.start + link.lag
        if not ok:
            return False
    for t, (data, choice) in enumerate(zip(problem.tasks, choices, strict=True)):
        del t
        if choice is None:
            continue
        finish_end = max(choice.end, choice.start + 1)  # exclusive end of the finish day
        if data.latest_end is not None and finish_end > data.latest_end:
            return False
        if data.fixed_start is not None:
            if choice.start != data.fixed_start:
                return False
        elif choice.start < data.earliest:
            return False
    for p, prerequisites in enumerate(problem.project_depends_on):
        if not schedule.selected[p]:
            continue
        for q in prerequisites:
            if not schedule.selected[q]:
                return False
            q_end = max(
                (c.end for t in problem.project_tasks[q] if (c := choices[t]) is not None),
                default=0,
            )
            for t in problem.project_tasks[p]:
                choice = choices[t]
                if choice is not None and choice.start < q_end:
                    return False
    return True


# --------------------------------------------------------------------------- public API
def _makespan(schedule: Schedule) -> float:
    return float(max((c.end for c in schedule.tasks if c is not None), default=0))


def _generate(
    prep: _Prepared, rank: list[int], scheme: Scheme, selection: list[bool] | None = None
) -> Schedule | None:
    """One priority order with one scheme, with the fallbacks for optional projects."""
    if selection is None:
        selection = prep.selection
    if selection is None:
        return None
    first = _Run(prep, rank, selection)
    schedule = first.run(scheme)
    if schedule is None:
        if selection != prep.forced:  # optional projects may have crowded a mandatory one
            return _Run(prep, rank, prep.forced).run(scheme)
        return None
    if first.dropped:  # close the gaps the dropped projects left
        again = _Run(prep, rank, list(schedule.selected)).run(scheme)
        if (
            again is not None
            and again.selected == schedule.selected
            and _makespan(again) <= _makespan(schedule)
        ):
            return again
    return schedule


def serial_sgs(problem: Problem, rule: PriorityRule) -> Schedule | None:
    """Serial schedule generation: best-priority eligible task at its earliest start.

    Returns None when a mandatory project cannot be planned this way (a deadline missed,
    consumables exhausted, a fixed task that does not fit, a dependency cycle).
    """
    prep = _Prepared(problem)
    return _generate(prep, prep.ranks(rule), Scheme.SERIAL)


def parallel_sgs(problem: Problem, rule: PriorityRule) -> Schedule | None:
    """Parallel schedule generation: the task that can start first starts (ties: priority).

    Returns None under the same conditions as :func:`serial_sgs`.
    """
    prep = _Prepared(problem)
    return _generate(prep, prep.ranks(rule), Scheme.PARALLEL)


def best_heuristic(
    problem: Problem,
    objective: Callable[[Schedule], float] | None = None,
    *,
    good_enough: float | None = None,
) -> tuple[Schedule, str] | None:
    """Run every priority rule with both schemes; the best schedule and its name.

    ``objective`` is minimised (default: makespan, the largest end). The name is
    ``"<scheme>/<rule>"``, e.g. ``"serial/latest_finish"``, with ``"+mandatory_only"``
    when leaving every optional project out scored better. Budgets are not enforced.
    With ``good_enough`` (a proven lower bound of ``objective``), the first schedule
    that meets it is returned at once: no rule can do better.
    """
    score = objective or _makespan
    prep = _Prepared(problem)
    if prep.selection is None:
        return None
    ranks: dict[PriorityRule, list[int]] = {}
    for rule in PriorityRule:
        rank = prep.ranks(rule)
        if rank not in ranks.values():  # the same order gives the same schedules
            ranks[rule] = rank
    best: tuple[float, Schedule, str, list[int], Scheme] | None = None
    for scheme in Scheme:
        for rule, rank in ranks.items():
            schedule = _generate(prep, rank, scheme)
            if schedule is None:
                continue
            value = score(schedule)
            if good_enough is not None and value <= good_enough + 1e-9:
                return schedule, f"{scheme.value}/{rule.value}"
            if best is None or value < best[0]:
                best = (value, schedule, f"{scheme.value}/{rule.value}", rank, scheme)
    if best is None:
        return None
    value, schedule, name, rank, scheme = best
    if any(schedule.selected[p] and not prep.forced[p] for p in range(len(prep.forced))):
        alternative = _generate(prep, rank, scheme, prep.forced)
        if alternative is not None and score(alternative) < value:
            return alternative, f"{name}+mandatory_only"
    return schedule, name


@dataclass
class OrderSearchResult:
    """The best schedule of the project-order search and what the search did."""

    schedule: Schedule
    value: float
    evaluations: int
    improvements: int


def search_project_order(
    problem: Problem,
    objective: Callable[[Schedule], float],
    deadline: float,
    *,
    seed: int = 0,
    floor: float | None = None,
    should_stop: Callable[[], bool] | None = None,
    on_improvement: Callable[[float], None] | None = None,
) -> OrderSearchResult | None:
    """Local search over the order in which projects get people and pools.

    A schedule comes from one order of the projects: each task's priority is its
    project's position, then its latest finish, and both schedule-generation schemes
    are tried on the first order (the better one is kept). The search starts from the
    projects by priority, then due date, and moves one project to another position at
    random, keeping the move when the objective is no worse (so it can cross plateaus),
    until ``deadline`` (a ``time.monotonic()`` instant), a stop request, or a value at
    ``floor`` (a lower bound: nothing better exists). Lateness is a
    matter of which project waits for whom, so this is where large portfolios gain
    most (on the 2,000-task benchmark portfolio: 0.51 x the best priority rule's
    weighted tardiness after 40 s). None if no order gives a plan.
    """
    prep = _Prepared(problem)
    if prep.selection is None:
        return None
    n = prep.n
    n_projects = len(problem.project_ids)
    latest = np.array(prep.soft_le[:n], dtype=np.int64)
    project_of = np.array(prep.project_of, dtype=np.int64)
    far = problem.horizon + 1
    dues = [far if due is None else due for due in problem.project_due_end]

    def rank_for(order: list[int]) -> list[int]:
        position = np.empty(n_projects, dtype=np.int64)
        position[np.array(order, dtype=np.int64)] = np.arange(n_projects)
        sequence = np.lexsort((np.arange(n), latest, position[project_of]))
        rank = np.empty(n, dtype=np.int64)
        rank[sequence] = np.arange(n)
        return [int(r) for r in rank]

    order = sorted(range(n_projects), key=lambda p: (-int(problem.project_priority[p]), dues[p], p))
    evaluations = 0
    best: tuple[float, Schedule, Scheme] | None = None
    for scheme in Scheme:
        schedule = _generate(prep, rank_for(order), scheme)
        evaluations += 1
        if schedule is not None:
            value = objective(schedule)
            if best is None or value < best[0]:
                best = (value, schedule, scheme)
    if best is None:
        return None
    value, schedule, scheme = best
    if on_improvement is not None:
        on_improvement(value)  # the search's first plan
    rng = random.Random(seed)
    improvements = 0
    while n_projects > 1 and time.monotonic() < deadline:
        if should_stop is not None and should_stop():
            break
        if floor is not None and value <= floor + 1e-9:
            break
        candidate_order = order[:]
        source, target = rng.sample(range(n_projects), 2)
        candidate_order.insert(target, candidate_order.pop(source))
        candidate = _generate(prep, rank_for(candidate_order), scheme)
        evaluations += 1
        if candidate is None:
            continue
        candidate_value = objective(candidate)
        if candidate_value <= value:
            if candidate_value < value:
                improvements += 1
                if on_improvement is not None:
                    on_improvement(candidate_value)
            order, schedule, value = candidate_order, candidate, candidate_value
    return OrderSearchResult(schedule, value, evaluations, improvements)
