"""Builders for the bulletin tests: a small county with known figures, and a bulletin drafted over it."""

from __future__ import annotations

import datetime

from django.utils import timezone

from shuangjian.core.models import User
from shuangjian.core.tests.factories import RegulatorFactory
from shuangjian.enforcement import inspections as enforcement_inspections
from shuangjian.enforcement import notices as enforcement_notices
from shuangjian.enforcement.tests import inspection_helpers as insp
from shuangjian.oversight import bulletins
from shuangjian.oversight.models import Bulletin
from shuangjian.registry.tests.factories import InstitutionFactory
from shuangjian.registry.tests.helpers import divisions


def regulator(username: str = "b_reg", scope: str = "410202") -> User:
    return RegulatorFactory.create(username=username, scope_code=scope)


def week() -> tuple[datetime.date, datetime.date]:
    today = timezone.localdate()
    return today - datetime.timedelta(days=6), today


def county_data(actor: User) -> None:
    """龙亭区: three institutions (two active), two done inspections, one notice issued, two ads (one removed);
    祥符区: one institution and nothing else."""
    divisions()
    a, _b = InstitutionFactory.create(), InstitutionFactory.create()
    InstitutionFactory.create(status="applying")
    InstitutionFactory.create(division_code="410212", address="开封市祥符区1号")
    insp.record(actor, a)
    notice_inspection = insp.record(actor, a, failed={"prices": "收费未公示"})
    enforcement_notices.notice_issue(actor=actor, inspection=notice_inspection)
    today = timezone.localdate()
    enforcement_inspections.ad_finding_record(
        actor=actor, division_code="410202", kind="sign", place="路口", found_on=today, subject_name="某"
    )
    ad = enforcement_inspections.ad_finding_record(
        actor=actor, division_code="410202", kind="banner", place="门口", found_on=today, subject_name="某"
    )
    enforcement_inspections.ad_finding_removed(actor=actor, finding=ad, removed_on=today)


def draft(actor: User, division: str = "410202", series: str = "express") -> Bulletin:
    start, end = week()
    return bulletins.bulletin_draft(
        actor=actor, division_code=division, series=series, period_start=start, period_end=end
    )
