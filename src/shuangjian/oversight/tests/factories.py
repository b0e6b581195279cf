"""Builders for the oversight tests: a city with two counties, a county of another city, and their regulators."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.utils import timezone

from shuangjian.core.models import DivisionLevel, Role, User
from shuangjian.core.tests.factories import DivisionFactory, RegulatorFactory, UserFactory
from shuangjian.enforcement.models import Inspection, NoticeStatus, RectificationNotice
from shuangjian.registry.models import Institution


@dataclass
class World:
    city: User
    county: User
    county_b: User
    other_city: User
    other_county: User
    admin: User


def world() -> World:
    DivisionFactory.create(code="41", name="河南省", level=DivisionLevel.PROVINCE)
    DivisionFactory.create(code="4102", name="开封市", level=DivisionLevel.CITY)
    DivisionFactory.create(code="410202", name="龙亭区")
    DivisionFactory.create(code="410203", name="顺河回族区")
    DivisionFactory.create(code="4103", name="洛阳市", level=DivisionLevel.CITY)
    DivisionFactory.create(code="410302", name="老城区")
    return World(
        city=RegulatorFactory.create(username="city", scope_code="4102"),
        county=RegulatorFactory.create(username="longting", scope_code="410202"),
        county_b=RegulatorFactory.create(username="shunhe", scope_code="410203"),
        other_city=RegulatorFactory.create(username="luoyang", scope_code="4103"),
        other_county=RegulatorFactory.create(username="laocheng", scope_code="410302"),
        admin=UserFactory.create(username="padmin", role=Role.PLATFORM_ADMIN, is_staff=True, is_superuser=True),
    )


def inspection_done(inst: Institution, by: User, on: datetime.date, status: str = "done") -> Inspection:
    at = timezone.make_aware(datetime.datetime.combine(on, datetime.time(10)))
    return Inspection.objects.create(
        subject_kind="institution",
        institution=inst,
        subject_name=inst.name,
        division_code=inst.division_code,
        kind="routine",
        status=status,
        planned_on=on,
        inspected_at=at if status == "done" else None,
        completed_at=at if status == "done" else None,
        created_by=by,
    )


_seq = iter(range(1, 10_000))


def notice(
    inst: Institution, by: User, deadline: datetime.date, status: str = NoticeStatus.ISSUED
) -> RectificationNotice:
    # A draft, so that the notice's own inspection does not count towards inspection coverage.
    insp = inspection_done(inst, by, deadline - datetime.timedelta(days=14), status="draft")
    n = next(_seq)
    return RectificationNotice.objects.create(
        subject_kind="institution",
        institution=inst,
        subject_name=inst.name,
        division_code=inst.division_code,
        inspection=insp,
        number=f"整改〔2026〕{n}号",
        year=2026,
        seq=n,
        status=status,
        issued_on=deadline - datetime.timedelta(days=14),
        working_days=10,
        deadline=deadline,
        issued_by=by,
    )
