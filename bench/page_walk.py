"""The page walk: one user per role and scope, and every page their menu reaches.

Shared by `bench/bench_pages.py` (times every page at 20k and 200k institutions) and `tests/test_page_walk.py`
(every registered menu entry is reached by one of these users and answers 200 on tiny data). The pages come
from `core.nav.items_for(user)` — the menu the user sees — never from a hand-kept list, so a new menu page is
walked (and measured) the day it is registered.

`make_walkers()` works on an empty database (the test) as on a generated province (the bench): it reuses what
exists (the busiest institution, a school, a bank) and creates the few rows a role needs to see anything (a
grid cell and its assignment, a parent's children enrolled at the busy institution).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from shuangjian.core.models import User
    from shuangjian.registry.models import Institution

CITY = "4102"
COUNTY = "410202"
TOWNSHIP = "410202001"
CELL = "410202001001"

# Role key → what the user is (the bench prints these keys).
ROLES = (
    "platform_admin",
    "city_regulator",
    "county_regulator",
    "inspector",
    "grid_officer",
    "school_admin",
    "bank_operator",
    "institution_operator",
    "parent",
)


@dataclass(frozen=True)
class MenuPage:
    role: str
    url_name: str
    url: str


def _divisions() -> None:
    from shuangjian.core.models import Division, DivisionLevel, GridCell

    Division.objects.get_or_create(code="41", defaults={"name": "河南省", "level": DivisionLevel.PROVINCE})
    Division.objects.get_or_create(
        code=CITY, defaults={"name": "开封市", "level": DivisionLevel.CITY, "parent_id": "41"}
    )
    Division.objects.get_or_create(
        code=COUNTY, defaults={"name": "龙亭区", "level": DivisionLevel.COUNTY, "parent_id": CITY}
    )
    Division.objects.get_or_create(
        code=TOWNSHIP, defaults={"name": "北书店街道", "level": DivisionLevel.TOWNSHIP, "parent_id": COUNTY}
    )
    GridCell.objects.get_or_create(code=CELL, defaults={"name": "北书店第1网格", "township_id": TOWNSHIP})


def busiest_institution() -> Institution | None:
    """The county's institution with the most enrolments (None when no enrolment exists yet)."""
    from django.db.models import Count

    from shuangjian.registry.models import Institution
    from shuangjian.students.models import Enrolment

    row = (
        Enrolment.objects.filter(division_code__startswith=COUNTY)
        .values("institution_id")
        .annotate(n=Count("id"))
        .order_by("-n")
        .first()
    )
    return Institution.objects.get(pk=row["institution_id"]) if row else None


def _busy_institution(students: int) -> Institution:
    """An operated institution with courses, class groups, sessions and ``students`` enrolled pupils."""
    from shuangjian.students.tests import factories as sf

    inst = sf.InstitutionFactory.create(
        name="开封市龙亭区页面巡检培训学校", division_code=COUNTY, township_code=TOWNSHIP, grid_code=CELL
    )
    from shuangjian.registry.naming import name_sort_key

    inst.name_key = name_sort_key(inst.name)
    inst.save(update_fields=["name_key"])
    groups = []
    for _ in range(max(1, students // 20)):
        group = sf.ClassGroupFactory.create(course=sf.CourseFactory.create(institution=inst, division_code=COUNTY))
        for _ in range(4):
            sf.SessionFactory.create(class_group=group)
        groups.append(group)
    for n in range(students):
        sf.EnrolmentFactory.create(class_group=groups[n % len(groups)], institution=inst)
    return inst


def make_walkers(*, students: int = 3) -> dict[str, User]:
    """One user per role and scope (keys: ``ROLES``), each able to see something on their pages.

    Idempotent per database: users are named ``walk_<role>`` and reused when they exist."""
    from django.utils import timezone

    from shuangjian.core.models import Department, GridAssignment, Role, User
    from shuangjian.funds.models import Bank, BankOperator
    from shuangjian.registry.models import InstitutionOperator
    from shuangjian.schools.models import School, SchoolAdmin
    from shuangjian.students.models import Enrolment, Guardianship

    existing = {u.username[len("walk_") :]: u for u in User.objects.filter(username__startswith="walk_")}
    if set(ROLES) <= set(existing):
        return {role: existing[role] for role in ROLES}
    _divisions()

    def user(role_key: str, role: Role, scope: str = "", department: str = "") -> User:
        made, _ = User.objects.get_or_create(
            username=f"walk_{role_key}",
            defaults={"role": role, "scope_code": scope, "department": department, "display_name": role_key},
        )
        return made

    users = {
        "platform_admin": user("platform_admin", Role.PLATFORM_ADMIN),
        "city_regulator": user("city_regulator", Role.REGULATOR, CITY, Department.EDUCATION),
        "county_regulator": user("county_regulator", Role.REGULATOR, COUNTY, Department.EDUCATION),
        "inspector": user("inspector", Role.INSPECTOR, COUNTY, Department.EDUCATION),
        "grid_officer": user("grid_officer", Role.GRID_OFFICER),
        "school_admin": user("school_admin", Role.SCHOOL_ADMIN, COUNTY),
        "bank_operator": user("bank_operator", Role.BANK_OPERATOR, CITY),
        "institution_operator": user("institution_operator", Role.INSTITUTION_OPERATOR),
        "parent": user("parent", Role.PARENT),
    }
    assert set(users) == set(ROLES)
    assert {u.role for u in users.values()} == set(Role.values), "a new role must join the page walk"

    GridAssignment.objects.get_or_create(
        officer=users["grid_officer"],
        cell_id=CELL,
        defaults={"start": timezone.localdate() - datetime.timedelta(days=400)},
    )
    school = School.objects.filter(division_code=COUNTY).order_by("pk").first()
    if school is None:
        school = School.objects.create(name="开封市龙亭区页面巡检中学", code="214102029999", division_code=COUNTY)
    SchoolAdmin.objects.get_or_create(user=users["school_admin"], defaults={"school": school})
    bank = Bank.objects.order_by("pk").first()
    if bank is None:
        bank = Bank.objects.create(code="walkbank", name="页面巡检银行", notification_secret="walk-0123456789abcdef")
    BankOperator.objects.get_or_create(user=users["bank_operator"], defaults={"bank": bank})

    inst = busiest_institution() or _busy_institution(students)
    InstitutionOperator.objects.get_or_create(user=users["institution_operator"], defaults={"institution": inst})
    for student_id in (
        Enrolment.objects.filter(institution=inst).order_by("pk").values_list("student_id", flat=True)[:2]
    ):
        Guardianship.objects.get_or_create(parent=users["parent"], student_id=student_id)
    return users


def menu_pages(role: str, user: User) -> list[MenuPage]:
    """Every page the user's menu links to (`core.nav.items_for`), in menu order."""
    from django.urls import get_resolver

    from shuangjian.core.nav import items_for

    get_resolver().url_patterns  # noqa: B018 -- importing every urls module registers the views' menu entries
    return [MenuPage(role, str(item["url_name"]), str(item["url"])) for item in items_for(user)]
