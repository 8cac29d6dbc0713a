"""Build ``examples/medium.json``: a realistic, feasible mid-sized IT portfolio for 2027.

Eight projects of a German manufacturer (calendar of North Rhine-Westphalia): an SAP
S/4HANA roll-out in three waves (finance, HR, logistics), a network upgrade of six
sites, a cloud data migration, a custom Python automation app, a security programme, a
CRM, and two optional projects (data warehouse, service desk tooling). 25 people with
8 skills, two of them part-time, some with vacations; a staging-environment pool and a
contractor pool whose capacity grows in July; quarterly budgets and a total.

The demand per skill is kept at roughly 50-70 % of the capacity of the people whose
main skill it is (run this script to see the figures), and the hard deadlines have
months of slack, so the portfolio is comfortably feasible.

Run ``python examples/build_medium.py`` to regenerate the JSON (deterministic: no
randomness, no clock).
"""

from __future__ import annotations

import json
import math
from collections import defaultdict
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from models import (
    Absence,
    BudgetPeriod,
    Budgets,
    CalendarException,
    CapacityChange,
    Consumable,
    ConsumableRequirement,
    Dependency,
    DependencyType,
    Holiday,
    Mode,
    ObjectiveName,
    Objectives,
    ObjectiveTerm,
    Person,
    PersonRequirement,
    Pool,
    PoolRequirement,
    Portfolio,
    Project,
    Requirement,
    Skill,
    SkillRequirement,
    Task,
    Team,
    WorkingCalendar,
    calendar_for,
    load_portfolio,
)

OUT = Path(__file__).with_name("medium.json")
START = date(2027, 1, 4)
YEAR_END = date(2027, 12, 31)

# --------------------------------------------------------------------------- helpers
Pred = str | Dependency


def sk(skill: str, level: int = 1, count: int = 1, pct: int = 100) -> SkillRequirement:
    """``count`` people with ``skill`` at ``level`` or more, at ``pct`` percent."""
    return SkillRequirement(skill=skill, min_level=level, count=count, allocation_percent=pct)


def who(person: str, pct: int = 100) -> PersonRequirement:
    """A named person at ``pct`` percent."""
    return PersonRequirement(person=person, allocation_percent=pct)


def env(pool: str, units: int = 1) -> PoolRequirement:
    """Units of a pool."""
    return PoolRequirement(pool=pool, units=units)


def ss(task: str, lag: int = 0) -> Dependency:
    """Start-to-start dependency."""
    return Dependency(task=task, type=DependencyType.SS, lag_days=lag)


def ff(task: str, lag: int = 0) -> Dependency:
    """Finish-to-finish dependency."""
    return Dependency(task=task, type=DependencyType.FF, lag_days=lag)


def _deps(after: Sequence[Pred]) -> list[Dependency]:
    return [Dependency(task=p) if isinstance(p, str) else p for p in after]


def task(
    ident: str,
    name: str,
    days: int,
    reqs: Sequence[Requirement] = (),
    after: Sequence[Pred] = (),
    *,
    deadline: date | None = None,
    fixed_cost: float = 0.0,
) -> Task:
    """A single-mode task of ``days`` working days."""
    return Task(
        id=ident,
        name=name,
        duration_days=days,
        requirements=list(reqs),
        dependencies=_deps(after),
        deadline=deadline,
        fixed_cost=fixed_cost,
    )


def milestone(ident: str, name: str, after: Sequence[Pred]) -> Task:
    """A zero-duration event."""
    return Task(id=ident, name=name, milestone=True, dependencies=_deps(after))


# --------------------------------------------------------------------------- calendar
# Public holidays of North Rhine-Westphalia in 2027 that fall on weekdays (1 May,
# 3 October, 25 and 26 December are weekend days in 2027), plus Christmas Eve and New
# Year's Eve as company days off and a year-end shutdown.
HOLIDAYS = [
    Holiday(date=date(2027, 1, 1), name="Neujahr"),
    Holiday(date=date(2027, 3, 26), name="Karfreitag"),
    Holiday(date=date(2027, 3, 29), name="Ostermontag"),
    Holiday(date=date(2027, 5, 6), name="Christi Himmelfahrt"),
    Holiday(date=date(2027, 5, 17), name="Pfingstmontag"),
    Holiday(date=date(2027, 5, 27), name="Fronleichnam"),
    Holiday(date=date(2027, 11, 1), name="Allerheiligen"),
    Holiday(date=date(2027, 12, 24), name="Heiligabend (company day off)"),
]
CALENDAR = WorkingCalendar(
    holidays=HOLIDAYS,
    exceptions=[
        CalendarException(
            start=date(2027, 12, 27), end=date(2027, 12, 31), name="Year-end shutdown"
        )
    ],
)

# --------------------------------------------------------------------------- resources
SKILLS = [
    Skill(id="sap", name="SAP S/4HANA"),
    Skill(id="network", name="Networking (LAN, WAN, Wi-Fi)"),
    Skill(id="cloud", name="Cloud engineering (Azure)"),
    Skill(id="python", name="Python development"),
    Skill(id="security", name="IT security"),
    Skill(id="testing", name="Testing and QA"),
    Skill(id="pm", name="Project management"),
    Skill(id="dba", name="Database administration"),
]


def _person(
    ident: str,
    name: str,
    team: str,
    skills: dict[str, int],
    cost: float,
    capacity: float = 1.0,
    absences: Sequence[tuple[date, date, str]] = (),
) -> Person:
    return Person(
        id=ident,
        name=name,
        team=team,
        skills=skills,
        cost_per_day=cost,
        capacity=capacity,
        absences=[Absence(start=a, end=b, reason=r) for a, b, r in absences],
    )


PEOPLE = [
    # project management
    _person(
        "kweber",
        "Katrin Weber",
        "PMO",
        {"pm": 5, "sap": 2},
        1050,
        absences=[(date(2027, 8, 2), date(2027, 8, 13), "Summer vacation")],
    ),
    _person("jbecker", "Jonas Becker", "PMO", {"pm": 4, "testing": 2}, 950),
    _person("lhoffmann", "Lena Hoffmann", "PMO", {"pm": 4, "security": 1}, 950, capacity=0.8),
    # SAP
    _person("mschulz", "Markus Schulz", "SAP", {"sap": 5, "pm": 2}, 1150),
    _person("sfischer", "Sabine Fischer", "SAP", {"sap": 4, "dba": 2}, 1050),
    _person(
        "twagner",
        "Tobias Wagner",
        "SAP",
        {"sap": 4},
        1000,
        absences=[(date(2027, 7, 19), date(2027, 8, 6), "Summer vacation")],
    ),
    _person("jrichter", "Julia Richter", "SAP", {"sap": 3, "testing": 2}, 900),
    # network
    _person("skoch", "Stefan Koch", "Infrastructure", {"network": 5, "security": 3}, 950),
    _person(
        "dklein",
        "Daniel Klein",
        "Infrastructure",
        {"network": 4},
        850,
        absences=[(date(2027, 10, 4), date(2027, 10, 15), "Autumn vacation")],
    ),
    _person("nwolf", "Nina Wolf", "Infrastructure", {"network": 3, "cloud": 2}, 800),
    # cloud
    _person(
        "fschroeder",
        "Felix Schröder",
        "Cloud",
        {"cloud": 5, "python": 3},
        1050,
        absences=[(date(2027, 3, 8), date(2027, 3, 10), "Azure architect training")],
    ),
    _person(
        "aneumann",
        "Anna Neumann",
        "Cloud",
        {"cloud": 4, "network": 2, "security": 2},
        950,
        absences=[(date(2027, 8, 9), date(2027, 8, 20), "Summer vacation")],
    ),
    _person("pschwarz", "Paul Schwarz", "Cloud", {"cloud": 3, "dba": 2}, 850),
    # python
    _person("lzimmermann", "Lukas Zimmermann", "Development", {"python": 5, "cloud": 3}, 1000),
    _person("sbraun", "Sarah Braun", "Development", {"python": 4, "testing": 2}, 900),
    _person("tkrueger", "Tim Krüger", "Development", {"python": 3, "dba": 2}, 800),
    _person("mhofmann", "Mia Hofmann", "Development", {"python": 3}, 800, capacity=0.5),
    # security
    _person(
        "jhartmann",
        "Jan Hartmann",
        "Security",
        {"security": 5, "network": 3},
        1100,
        absences=[
            (date(2027, 6, 7), date(2027, 6, 11), "Vacation"),
            (date(2027, 10, 11), date(2027, 10, 15), "Vacation"),
        ],
    ),
    _person("llange", "Laura Lange", "Security", {"security": 4, "cloud": 2}, 1000),
    _person("eschmitt", "Erik Schmitt", "Security", {"security": 3}, 850),
    # testing
    _person(
        "hwerner",
        "Hannah Werner",
        "QA",
        {"testing": 4, "sap": 2},
        750,
        absences=[(date(2027, 5, 24), date(2027, 6, 4), "Parental leave")],
    ),
    _person("mkrause", "Moritz Krause", "QA", {"testing": 4, "python": 2}, 750),
    _person("cmeier", "Clara Meier", "QA", {"testing": 3, "sap": 1}, 700),
    # databases
    _person("nlehmann", "Niklas Lehmann", "Data", {"dba": 5, "sap": 3, "cloud": 2}, 1000),
    _person("sschmid", "Sophie Schmid", "Data", {"dba": 4, "python": 2}, 900),
]

POOLS = [
    Pool(
        id="staging",
        name="Staging / QA environments",
        units=2,
        cost_per_unit_day=120,
    ),
    Pool(
        id="contractors",
        name="Network contractors (framework contract)",
        units=2,
        capacity_changes=[CapacityChange(from_date=date(2027, 7, 1), units=3)],
        skills=["network"],
        cost_per_unit_day=700,
    ),
]
CONSUMABLES = [Consumable(id="sap-licences", name="SAP S/4HANA user licences", total=450)]


# --------------------------------------------------------------------------- projects
def erp_wave(
    key: str,
    dept: str,
    config_days: int,
    licences: int,
    after: Sequence[Pred],
    cutover_after: Sequence[Pred] = (),
    golive_deadline: date | None = None,
) -> list[Task]:
    """One roll-out wave of the ERP project for a department (11 tasks)."""
    p = f"erp-{key}"
    return [
        task(
            f"{p}-fitgap",
            f"{dept}: fit-gap workshops",
            10,
            [sk("sap", 3, 2), sk("pm", 3, pct=50)],
            after,
        ),
        task(f"{p}-design", f"{dept}: solution design", 15, [sk("sap", 3, 2)], [f"{p}-fitgap"]),
        task(
            f"{p}-config",
            f"{dept}: configuration",
            config_days,
            [sk("sap", 2, 2)],
            [f"{p}-design"],
        ),
        task(
            f"{p}-interfaces",
            f"{dept}: interfaces and reports",
            25,
            [sk("python", 2), sk("sap", 3, pct=50)],
            [ss(f"{p}-config", 5)],
        ),
        task(
            f"{p}-migration",
            f"{dept}: data migration",
            15,
            [sk("dba", 3), sk("sap", 2, pct=50)],
            [f"{p}-design"],
        ),
        task(
            f"{p}-sit",
            f"{dept}: integration and regression test",
            20,
            [sk("testing", 2, 2), sk("sap", 1, pct=50), env("staging")],
            [f"{p}-config", f"{p}-interfaces", f"{p}-migration"],
        ),
        task(
            f"{p}-uat",
            f"{dept}: user acceptance test",
            10,
            [sk("testing", 2, 2), sk("sap", 2, pct=50), sk("pm", 3, pct=50)],
            [f"{p}-sit"],
        ),
        task(
            f"{p}-training", f"{dept}: end-user training", 10, [sk("sap", 2)], [ss(f"{p}-uat", 5)]
        ),
        Task(
            id=f"{p}-cutover",
            name=f"{dept}: cutover",
            duration_days=3,
            requirements=[
                sk("sap", 3, 2),
                sk("dba", 3),
                sk("pm", 3, pct=50),
                ConsumableRequirement(consumable="sap-licences", amount=licences),
            ],
            dependencies=_deps([f"{p}-uat", f"{p}-training", *cutover_after]),
        ),
        Task(
            id=f"{p}-golive",
            name=f"{dept}: go-live",
            milestone=True,
            dependencies=_deps([f"{p}-cutover"]),
            deadline=golive_deadline,
        ),
        task(f"{p}-hypercare", f"{dept}: hypercare", 15, [sk("sap", 2, pct=50)], [f"{p}-golive"]),
    ]


def erp() -> Project:
    """SAP S/4HANA roll-out in three waves; logistics waits for the warehouse networks."""
    tasks = [
        milestone("erp-kickoff", "ERP kick-off", []),
        task(
            "erp-pmo",
            "ERP programme management",
            200,
            [sk("pm", 4, pct=40)],
            [ss("erp-kickoff")],
        ),
        task(
            "erp-blueprint",
            "Global blueprint",
            15,
            [who("mschulz"), sk("pm", 3, pct=50)],
            ["erp-kickoff"],
        ),
        task(
            "erp-landscape",
            "System landscape (DEV/QAS/PRD)",
            10,
            [sk("sap", 3), sk("dba", 3)],
            [ss("erp-blueprint", 5)],
        ),
        task(
            "erp-authorisations",
            "Role and authorisation concept",
            15,
            [sk("sap", 3), sk("security", 2, pct=50)],
            ["erp-blueprint"],
        ),
        *erp_wave(
            "fin",
            "Finance",
            30,
            150,
            ["erp-blueprint", "erp-landscape"],
            golive_deadline=date(2027, 8, 31),
        ),
        *erp_wave("hr", "HR", 25, 120, ["erp-fin-design", "erp-authorisations"]),
        *erp_wave(
            "log",
            "Logistics",
            30,
            140,
            ["erp-hr-design"],
            cutover_after=["net-dortmund-cutover", "net-duisburg-cutover"],
        ),
        task(
            "erp-e2e-test",
            "End-to-end test across finance, HR and logistics",
            20,
            [sk("testing", 2, 2), sk("sap", 3, pct=50), env("staging")],
            ["erp-log-sit", "erp-hr-golive"],
        ),
        milestone(
            "erp-done",
            "ERP roll-out complete",
            ["erp-fin-hypercare", "erp-hr-hypercare", "erp-log-hypercare", "erp-e2e-test"],
        ),
    ]
    return Project(
        id="erp",
        name="SAP S/4HANA roll-out (finance, HR, logistics)",
        priority=5,
        due_date=date(2027, 12, 10),
        late_cost_per_day=2500,
        budget=1_250_000,
        tasks=tasks,
    )


SITES = [
    ("hq", "Düsseldorf HQ"),
    ("koeln", "Köln office"),
    ("essen", "Essen office"),
    ("bonn", "Bonn branch"),
    ("dortmund", "Dortmund warehouse"),
    ("duisburg", "Duisburg warehouse"),
]


def network() -> Project:
    """New switches, Wi-Fi and firewalls at six sites; HQ cabling in-house or contracted."""
    tasks: list[Task] = [
        task(
            "net-design",
            "Target network design",
            15,
            [who("skoch"), sk("security", 3, pct=50)],
        ),
        task(
            "net-pm",
            "Project management",
            120,
            [sk("pm", 2, pct=30)],
            [ss("net-design")],
        ),
        task(
            "net-procure",
            "Hardware procurement (lead time)",
            20,
            [sk("pm", 2, pct=20)],
            ["net-design"],
            fixed_cost=180_000,
        ),
        task(
            "net-core-dc", "Data-centre core switches", 15, [sk("network", 3, 2)], ["net-procure"]
        ),
        Task(
            id="net-hq-cabling",
            name="HQ structured cabling",
            modes=[
                Mode(
                    id="in-house",
                    name="In-house network team",
                    duration_days=20,
                    requirements=[sk("network", 2, 2)],
                ),
                Mode(
                    id="contractor",
                    name="Cabling contractor",
                    duration_days=8,
                    requirements=[env("contractors", 2), sk("network", 3, pct=20)],
                    cost=24_000,
                ),
            ],
            dependencies=_deps(["net-design"]),
        ),
    ]
    previous = "net-core-dc"
    for key, site in SITES:
        p = f"net-{key}"
        install_after: list[Pred] = [f"{p}-survey", previous]
        if key == "hq":
            install_after.append("net-hq-cabling")
        tasks += [
            task(f"{p}-survey", f"{site}: site survey", 5, [sk("network", 2)], ["net-design"]),
            task(
                f"{p}-install",
                f"{site}: install switches and access points",
                12,
                [sk("network", 2, 2)],
                install_after,
            ),
            task(
                f"{p}-cutover",
                f"{site}: cutover",
                2,
                [sk("network", 3, 2), sk("security", 2, pct=50)],
                [f"{p}-install"],
            ),
        ]
        previous = f"{p}-install"
    tasks += [
        task(
            "net-firewall",
            "Replace perimeter firewalls",
            15,
            [sk("security", 3), sk("network", 3)],
            ["net-core-dc"],
        ),
        task(
            "net-wifi-guest",
            "Guest Wi-Fi and network access control",
            15,
            [sk("network", 3), sk("security", 2, pct=50)],
            ["net-hq-cutover"],
        ),
        task(
            "net-monitoring",
            "Network monitoring",
            10,
            [sk("network", 2), sk("cloud", 2, pct=50)],
            [ss("net-core-dc", 5)],
        ),
        task(
            "net-docs",
            "As-built documentation",
            10,
            [sk("network", 1, pct=50)],
            [ff("net-duisburg-cutover", 2)],
        ),
        milestone(
            "net-done",
            "Network upgrade complete",
            [
                "net-duisburg-cutover",
                "net-bonn-cutover",
                "net-firewall",
                "net-wifi-guest",
                "net-docs",
            ],
        ),
    ]
    return Project(
        id="net",
        name="Network upgrade (six sites)",
        priority=3,
        due_date=date(2027, 10, 29),
        late_cost_per_day=800,
        tasks=tasks,
    )


def cloud() -> Project:
    """Move the on-premises databases to Azure in four waves."""
    tasks: list[Task] = [
        task(
            "cloud-assessment",
            "Workload assessment",
            10,
            [who("fschroeder"), sk("dba", 3, pct=50), sk("pm", 3, pct=50)],
        ),
        task(
            "cloud-pm",
            "Migration project management",
            120,
            [sk("pm", 3, pct=30)],
            [ss("cloud-assessment")],
        ),
        task(
            "cloud-landing-zone",
            "Landing zone",
            25,
            [sk("cloud", 3, 2), sk("security", 3, pct=50)],
            ["cloud-assessment"],
        ),
        task(
            "cloud-connectivity",
            "VPN / ExpressRoute",
            10,
            [sk("network", 3), sk("cloud", 2)],
            [ss("cloud-landing-zone", 5)],
        ),
        task(
            "cloud-iam",
            "Identity and access",
            10,
            [sk("security", 3), sk("cloud", 2)],
            [ss("cloud-landing-zone", 5)],
        ),
        task(
            "cloud-backup",
            "Backup and disaster recovery",
            10,
            [sk("cloud", 2), sk("dba", 2)],
            ["cloud-landing-zone"],
        ),
        task(
            "cloud-policies",
            "Security baseline (Azure Policy, Defender)",
            15,
            [sk("cloud", 3), sk("security", 3)],
            ["cloud-iam"],
        ),
        task(
            "cloud-tooling",
            "Migration scripts and pipelines",
            20,
            [sk("python", 3), sk("cloud", 3, pct=50)],
            [ss("cloud-landing-zone", 5)],
        ),
    ]
    previous: list[Pred] = [
        "cloud-landing-zone",
        "cloud-connectivity",
        "cloud-iam",
        "cloud-backup",
        "cloud-tooling",
    ]
    for wave in range(1, 5):
        p = f"cloud-wave{wave}"
        tasks += [
            task(
                f"{p}-plan",
                f"Wave {wave}: plan",
                5,
                [sk("cloud", 3), sk("dba", 3, pct=50)],
                previous,
            ),
            task(
                f"{p}-replicate",
                f"Wave {wave}: replicate databases",
                20,
                [sk("dba", 2), sk("cloud", 2)],
                [f"{p}-plan"],
            ),
            task(
                f"{p}-validate",
                f"Wave {wave}: validate data and applications",
                10,
                [sk("testing", 2), sk("dba", 2, pct=50), sk("cloud", 2, pct=50), env("staging")],
                [f"{p}-replicate"],
            ),
            task(
                f"{p}-cutover",
                f"Wave {wave}: cutover",
                2,
                [sk("dba", 3), sk("cloud", 3), sk("pm", 2, pct=50)],
                [f"{p}-validate"],
            ),
        ]
        previous = [f"{p}-plan"]
    tasks += [
        task(
            "cloud-finops",
            "Cost monitoring (FinOps)",
            15,
            [sk("cloud", 2)],
            ["cloud-wave2-cutover"],
        ),
        task(
            "cloud-dr-test",
            "Disaster-recovery test",
            10,
            [sk("cloud", 2), sk("dba", 2, pct=50), sk("testing", 2, pct=50)],
            ["cloud-wave2-cutover", "cloud-backup"],
        ),
        task(
            "cloud-handover",
            "Operations handover and runbooks",
            20,
            [sk("cloud", 2), sk("dba", 2, pct=50)],
            ["cloud-wave4-cutover"],
        ),
        task(
            "cloud-decommission",
            "Decommission old database servers",
            10,
            [sk("dba", 2), sk("network", 1, pct=50)],
            ["cloud-wave4-cutover"],
        ),
        milestone(
            "cloud-done",
            "Cloud migration complete",
            [
                "cloud-decommission",
                "cloud-finops",
                "cloud-handover",
                "cloud-dr-test",
                "cloud-policies",
                "cloud-wave3-cutover",
            ],
        ),
    ]
    return Project(
        id="cloud",
        name="Cloud data migration",
        priority=4,
        due_date=date(2027, 9, 30),
        late_cost_per_day=1500,
        tasks=tasks,
    )


def automation() -> Project:
    """A custom Python app that automates order and invoice workflows."""
    tasks = [
        task(
            "auto-requirements",
            "Requirements",
            10,
            [sk("pm", 3, pct=50), sk("python", 3, pct=50)],
        ),
        task(
            "auto-architecture",
            "Architecture",
            5,
            [who("lzimmermann"), sk("cloud", 3, pct=50)],
            ["auto-requirements"],
        ),
        Task(
            id="auto-core",
            name="Core workflow engine",
            effort_days=90,
            team=Team(min_size=2, max_size=4, skill="python", min_level=2),
            dependencies=_deps(["auto-architecture"]),
        ),
        task(
            "auto-sap-connector",
            "SAP connector",
            20,
            [sk("python", 3), sk("sap", 2, pct=30)],
            ["auto-architecture", "erp-fin-design"],
        ),
        task(
            "auto-mail-connector",
            "Mail and document connector",
            15,
            [sk("python", 2)],
            ["auto-architecture"],
        ),
        task("auto-ui", "Web front end", 30, [sk("python", 2)], [ss("auto-core", 5)]),
        task("auto-security-review", "Security review", 5, [sk("security", 3)], ["auto-core"]),
        task(
            "auto-test-automation",
            "Test automation",
            20,
            [sk("testing", 3), sk("python", 2, pct=50)],
            [ss("auto-core", 10)],
        ),
        task(
            "auto-sit",
            "Integration test",
            15,
            [sk("testing", 2, 2), env("staging")],
            [
                "auto-core",
                "auto-sap-connector",
                "auto-mail-connector",
                "auto-ui",
                "auto-test-automation",
            ],
        ),
        task(
            "auto-uat",
            "User acceptance test",
            5,
            [sk("testing", 1), sk("cloud", 2, pct=50), sk("pm", 2, pct=50)],
            ["auto-sit", "auto-security-review"],
        ),
        task(
            "auto-deploy",
            "Deploy to Azure",
            3,
            [sk("cloud", 3), sk("python", 3)],
            ["auto-uat", "cloud-landing-zone"],
        ),
        task("auto-docs", "Operations handbook", 5, [sk("python", 1, pct=50)], [ff("auto-sit")]),
        milestone("auto-golive", "Automation app live", ["auto-deploy", "auto-docs"]),
    ]
    return Project(
        id="auto",
        name="Order automation app (Python)",
        priority=2,
        release_date=date(2027, 3, 1),
        due_date=date(2027, 10, 29),
        late_cost_per_day=600,
        tasks=tasks,
    )


def security() -> Project:
    """MFA, SSO, SIEM, EDR and segmentation; the pentest report is due for the audit."""
    tasks = [
        task(
            "sec-assessment",
            "Security assessment",
            10,
            [who("jhartmann"), sk("pm", 3, pct=50)],
        ),
        task(
            "sec-pm",
            "Programme management",
            150,
            [sk("pm", 2, pct=30)],
            [ss("sec-assessment")],
        ),
        task("sec-policy", "Policies and standards", 15, [sk("security", 3)], ["sec-assessment"]),
        task("sec-mfa-design", "MFA design", 10, [sk("security", 3)], ["sec-assessment"]),
        task(
            "sec-mfa-rollout",
            "MFA roll-out",
            25,
            [sk("security", 2), sk("network", 1, pct=50)],
            ["sec-mfa-design"],
        ),
        task(
            "sec-sso-integration",
            "SSO integration",
            15,
            [sk("security", 3), sk("python", 2, pct=50)],
            ["sec-mfa-design"],
        ),
        task(
            "sec-siem-design",
            "SIEM design",
            10,
            [sk("security", 4), sk("cloud", 2, pct=50)],
            ["sec-assessment"],
        ),
        task(
            "sec-siem-build",
            "SIEM build",
            20,
            [sk("security", 3), sk("cloud", 3)],
            ["sec-siem-design", "cloud-landing-zone"],
        ),
        task(
            "sec-siem-tuning",
            "SIEM tuning",
            20,
            [sk("security", 2), sk("cloud", 2, pct=50)],
            ["sec-siem-build"],
        ),
        task(
            "sec-edr-rollout",
            "Endpoint detection roll-out",
            25,
            [sk("security", 2), sk("network", 2, pct=50)],
            ["sec-policy"],
        ),
        task(
            "sec-segmentation",
            "Network segmentation",
            20,
            [sk("network", 4), sk("security", 3)],
            ["sec-policy", "net-core-dc"],
        ),
        task(
            "sec-vuln-mgmt",
            "Vulnerability management",
            20,
            [sk("security", 2), sk("cloud", 2, pct=50)],
            ["sec-policy"],
        ),
        task(
            "sec-dlp",
            "Data loss prevention",
            20,
            [sk("security", 3), sk("cloud", 2, pct=50)],
            ["sec-policy"],
        ),
        task(
            "sec-recertification",
            "Access recertification",
            15,
            [sk("security", 2), sk("sap", 2, pct=30)],
            ["sec-policy", "erp-authorisations"],
        ),
        task(
            "sec-awareness",
            "Phishing awareness campaign",
            10,
            [sk("pm", 2, pct=50), sk("security", 1, pct=50)],
            ["sec-policy"],
        ),
        task(
            "sec-pentest",
            "Penetration test",
            10,
            [sk("security", 4), sk("security", 3)],
            ["sec-mfa-rollout", "sec-segmentation", "sec-edr-rollout"],
        ),
        task(
            "sec-remediation",
            "Remediation of findings",
            20,
            [sk("security", 2, 2), sk("cloud", 2, pct=50)],
            ["sec-pentest"],
        ),
        task(
            "sec-pentest-report",
            "Pentest and remediation report for the auditor",
            3,
            [who("jhartmann")],
            ["sec-remediation"],
            deadline=date(2027, 10, 29),
        ),
        milestone(
            "sec-audit-ready",
            "Ready for the ISO 27001 audit",
            [
                "sec-pentest-report",
                "sec-siem-tuning",
                "sec-vuln-mgmt",
                "sec-awareness",
                "sec-sso-integration",
                "sec-dlp",
                "sec-recertification",
            ],
        ),
    ]
    return Project(
        id="sec",
        name="Security programme",
        priority=4,
        due_date=date(2027, 11, 19),
        late_cost_per_day=1200,
        tasks=tasks,
    )


def crm() -> Project:
    """A cloud CRM for sales and service, integrated with SAP."""
    tasks = [
        milestone("crm-kickoff", "CRM kick-off", []),
        task("crm-pm", "Project management", 120, [sk("pm", 3, pct=30)], [ss("crm-kickoff")]),
        task(
            "crm-requirements",
            "Requirements",
            15,
            [sk("pm", 3, pct=50), sk("sap", 2, pct=50)],
            ["crm-kickoff"],
        ),
        task(
            "crm-vendor",
            "Vendor selection",
            10,
            [sk("pm", 2, pct=50), sk("security", 2, pct=20)],
            ["crm-requirements"],
        ),
        task(
            "crm-design",
            "Solution design",
            10,
            [sk("python", 3), sk("sap", 3, pct=50)],
            ["crm-vendor"],
        ),
        task(
            "crm-config",
            "Configuration and customising",
            30,
            [sk("python", 2, 2)],
            ["crm-design"],
        ),
        task(
            "crm-sap-integration",
            "SAP integration",
            20,
            [sk("sap", 3), sk("python", 3)],
            ["crm-design", "erp-fin-config"],
        ),
        task(
            "crm-data-cleansing",
            "Customer data cleansing",
            15,
            [sk("dba", 2)],
            [ss("crm-design", 5)],
        ),
        task(
            "crm-data-migration",
            "Data migration",
            10,
            [sk("dba", 3), sk("python", 2, pct=50)],
            ["crm-data-cleansing", "crm-config"],
        ),
        task(
            "crm-sso",
            "Single sign-on",
            3,
            [sk("security", 3)],
            ["crm-config", "sec-sso-integration"],
        ),
        task(
            "crm-sit",
            "Integration test",
            15,
            [sk("testing", 2, 2), env("staging")],
            ["crm-sap-integration", "crm-data-migration", "crm-sso"],
        ),
        task(
            "crm-uat",
            "User acceptance test",
            10,
            [sk("testing", 1, 2), sk("pm", 2, pct=50)],
            ["crm-sit"],
        ),
        task(
            "crm-training",
            "Sales and service training",
            10,
            [sk("pm", 2, pct=50), sk("python", 1, pct=50)],
            [ss("crm-uat", 5)],
        ),
        milestone("crm-golive", "CRM live", ["crm-uat", "crm-training"]),
        task("crm-hypercare", "Hypercare", 15, [sk("python", 2, pct=50)], ["crm-golive"]),
    ]
    return Project(
        id="crm",
        name="CRM for sales and service",
        priority=3,
        release_date=date(2027, 2, 1),
        due_date=date(2027, 10, 15),
        late_cost_per_day=1000,
        tasks=tasks,
    )


def warehouse() -> Project:
    """Optional: a data warehouse in Azure fed from SAP and the CRM."""
    tasks = [
        task(
            "dwh-requirements",
            "Reporting requirements",
            10,
            [sk("pm", 2, pct=50), sk("dba", 3)],
        ),
        task("dwh-model", "Data model", 15, [sk("dba", 4)], ["dwh-requirements"]),
        task("dwh-platform", "Platform set-up", 15, [sk("cloud", 3)], ["dwh-requirements"]),
        task(
            "dwh-etl-finance",
            "ETL: finance",
            20,
            [sk("python", 2), sk("sap", 2, pct=50)],
            ["dwh-model", "dwh-platform", "erp-fin-golive"],
        ),
        task(
            "dwh-etl-crm",
            "ETL: CRM",
            15,
            [sk("python", 2)],
            ["dwh-model", "dwh-platform", "crm-golive"],
        ),
        task(
            "dwh-etl-logistics",
            "ETL: logistics",
            15,
            [sk("python", 2), sk("sap", 2, pct=50)],
            ["dwh-model", "dwh-platform"],
        ),
        task(
            "dwh-reports",
            "Reports and dashboards",
            15,
            [sk("dba", 2), sk("python", 1, pct=50)],
            ["dwh-etl-finance", "dwh-etl-crm"],
        ),
        task(
            "dwh-test",
            "Test",
            10,
            [sk("testing", 2), env("staging")],
            ["dwh-reports", "dwh-etl-logistics"],
        ),
        task("dwh-deploy", "Deploy", 3, [sk("cloud", 2), sk("dba", 3)], ["dwh-test"]),
        milestone("dwh-live", "Data warehouse live", ["dwh-deploy"]),
    ]
    return Project(
        id="dwh",
        name="Data warehouse (optional)",
        priority=2,
        value=450_000,
        mandatory=False,
        release_date=date(2027, 4, 1),
        due_date=date(2027, 12, 23),
        late_cost_per_day=500,
        depends_on=["cloud"],
        tasks=tasks,
    )


def service_desk() -> Project:
    """Optional: replace the service desk tool and build a CMDB."""
    tasks = [
        task("sdesk-requirements", "Requirements", 10, [sk("pm", 2, pct=50)]),
        task(
            "sdesk-selection",
            "Tool selection",
            10,
            [sk("pm", 2, pct=50), sk("security", 2, pct=20)],
            ["sdesk-requirements"],
        ),
        task("sdesk-config", "Configuration", 30, [sk("python", 2)], ["sdesk-selection"]),
        task(
            "sdesk-cmdb",
            "CMDB and discovery",
            15,
            [sk("dba", 2), sk("network", 2, pct=50)],
            ["sdesk-selection", "net-monitoring"],
        ),
        task(
            "sdesk-integrations",
            "Integrations (mail, monitoring)",
            15,
            [sk("python", 3)],
            ["sdesk-config"],
        ),
        task(
            "sdesk-test",
            "Test",
            10,
            [sk("testing", 2)],
            ["sdesk-integrations", "sdesk-cmdb"],
        ),
        task("sdesk-training", "Agent training", 5, [sk("pm", 2, pct=50)], ["sdesk-test"]),
        milestone("sdesk-live", "Service desk live", ["sdesk-training"]),
    ]
    return Project(
        id="sdesk",
        name="Service desk tooling (optional)",
        priority=1,
        value=180_000,
        mandatory=False,
        release_date=date(2027, 4, 1),
        due_date=date(2027, 11, 30),
        late_cost_per_day=200,
        tasks=tasks,
    )


def build() -> Portfolio:
    """The medium example portfolio (validated)."""
    portfolio = Portfolio(
        id="medium",
        name="IT portfolio 2027 (medium example)",
        start_date=START,
        currency="EUR",
        calendar=CALENDAR,
        skills=SKILLS,
        people=PEOPLE,
        pools=POOLS,
        consumables=CONSUMABLES,
        projects=[
            erp(),
            network(),
            cloud(),
            automation(),
            security(),
            crm(),
            warehouse(),
            service_desk(),
        ],
        budgets=Budgets(
            total=3_900_000,
            periods=[
                BudgetPeriod(period="2027-Q1", limit=1_200_000),
                BudgetPeriod(period="2027-Q2", limit=1_250_000),
                BudgetPeriod(period="2027-Q3", limit=1_150_000),
                BudgetPeriod(period="2027-Q4", limit=900_000),
            ],
        ),
        objectives=Objectives(
            terms=[
                ObjectiveTerm(name=ObjectiveName.WEIGHTED_TARDINESS, weight=1.0),
                ObjectiveTerm(name=ObjectiveName.SELECTED_VALUE, weight=0.001),
            ]
        ),
    )
    return load_portfolio(portfolio)


# --------------------------------------------------------------------------- report
def skill_load(portfolio: Portfolio) -> dict[str, tuple[float, float]]:
    """Skill -> (demand, capacity) in person-days over 2027.

    Demand counts every project (optional ones too) with the most demanding mode and
    the smallest team; a named person counts for their best skill. Capacity counts the
    people whose best skill it is, at their capacity, without absences.
    """
    cal = calendar_for(portfolio.calendar, portfolio.start_date)
    year = cal.working_days(portfolio.start_date, YEAR_END)
    people = {p.id: p for p in portfolio.people}

    def main_skill(person: Person) -> str:
        return max(person.skills, key=lambda s: person.skills[s])

    demand: dict[str, float] = defaultdict(float)
    capacity: dict[str, float] = defaultdict(float)
    for person in portfolio.people:
        away = sum(cal.working_days_between(a.start, a.end) for a in person.absences)
        capacity[main_skill(person)] += person.capacity * (len(year) - away)
    for project in portfolio.projects:
        for t in project.tasks:
            options: list[tuple[int, list[Requirement]]]
            if t.modes:
                options = [(m.duration_days, [*t.requirements, *m.requirements]) for m in t.modes]
            elif t.team is not None and t.effort_days is not None and t.team.skill is not None:
                size = t.team.min_size
                team_req = sk(t.team.skill, t.team.min_level, size)
                options = [(math.ceil(t.effort_days / size), [*t.requirements, team_req])]
            else:
                options = [(t.duration_days or 0, list(t.requirements))]
            best: dict[str, float] = defaultdict(float)
            for days, reqs in options:
                load: dict[str, float] = defaultdict(float)
                for r in reqs:
                    if isinstance(r, SkillRequirement):
                        load[r.skill] += days * r.count * r.allocation_percent / 100
                    elif isinstance(r, PersonRequirement):
                        load[main_skill(people[r.person])] += days * r.allocation_percent / 100
                if sum(load.values()) > sum(best.values()):
                    best = load
            for skill, value in best.items():
                demand[skill] += value
    return {s.id: (demand[s.id], capacity[s.id]) for s in portfolio.skills}


def _restore_kinds(model: BaseModel, data: dict[str, Any]) -> None:
    """Put back the ``kind`` tags that ``exclude_defaults`` drops from requirements.

    ``kind`` is a defaulted literal, so ``model_dump(exclude_defaults=True)`` omits it,
    and the dumped requirements would no longer parse (it is the union's discriminator).
    """
    for name, value in model:
        if name not in data:
            continue
        if isinstance(value, BaseModel):
            _restore_kinds(value, data[name])
        elif isinstance(value, list):
            for item, item_data in zip(value, data[name], strict=True):
                if isinstance(item, BaseModel):
                    _restore_kinds(item, item_data)
    if isinstance(
        model, PersonRequirement | PoolRequirement | SkillRequirement | ConsumableRequirement
    ):
        rest = dict(data)
        data.clear()
        data["kind"] = model.kind
        data.update(rest)


def dump(portfolio: Portfolio) -> dict[str, Any]:
    """The portfolio as JSON data without defaults (but with requirement kinds)."""
    data = portfolio.model_dump(mode="json", exclude_defaults=True)
    _restore_kinds(portfolio, data)
    return data


def main() -> None:
    """Build, validate, write ``medium.json`` and print its shape and load."""
    portfolio = build()
    data = dump(portfolio)
    OUT.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    n_tasks = sum(len(p.tasks) for p in portfolio.projects)
    print(
        f"wrote {OUT.name}: {len(portfolio.projects)} projects, {n_tasks} tasks, "
        f"{len(portfolio.people)} people, {len(portfolio.skills)} skills"
    )
    for skill, (demand, capacity) in skill_load(portfolio).items():
        share = demand / capacity
        print(f"  {skill:9s} demand {demand:6.1f} / capacity {capacity:6.1f} pd = {share:5.1%}")


if __name__ == "__main__":
    main()
