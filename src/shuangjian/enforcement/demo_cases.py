"""Demo penalty cases in 龙亭区: one at every stage, one departing from the calculator, one with a hearing, one
paid late (surcharge), a ladder revocation, a person restricted from practice, and published cases on the portal.
Dates count back from today so every deadline on the pages looks as it would on a working day."""

from __future__ import annotations

import datetime
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from shuangjian.core.calendar import add_working_days
from shuangjian.core.demo import DemoContext, register_demo_step
from shuangjian.core.demo_core import PRIMARY_COUNTY
from shuangjian.core.models import Department, User
from shuangjian.registry.models import Category, Institution, InstitutionOperator, InstitutionStatus
from shuangjian.staff.models import Person

from . import cases
from .calculator import Measure, Severity, Violation
from .models import CaseDocumentKind, PenaltyCase
from .subjects import Subject

DAY = datetime.timedelta(days=1)
FACTS = {
    Violation.DISGUISED: "以“思维训练”“研学”名义，在周末开设初中数学、英语培训班，收费后按学科类课程授课。",
    Violation.UNLICENSED: "未取得办学许可证，租用居民楼开展小学语文、数学培训，现场有教师2名、学生14名。",
    Violation.COMPETITION: "未经审批组织面向小学生的“数学思维能力大赛”，每人收取报名费。",
}


def _notify(actor: User, case: PenaltyCase, on: datetime.date, measures: list[str], fine: int, **kw: Any) -> None:
    cases.case_transition(actor=actor, case=case, action="investigate", on=case.filed_on)
    cases.case_propose(actor=actor, case=case, measures=measures, fine_fen=fine, **kw)
    cases.case_document_issue(actor=actor, case=case, kind=CaseDocumentKind.NOTICE, on=on)
    cases.case_transition(actor=actor, case=case, action="notify", on=on)


def _decide_serve(actor: User, case: PenaltyCase, notified: datetime.date) -> datetime.date:
    decided = add_working_days(notified, 6)  # after the 3-day defence and the 5-day hearing-request periods
    cases.case_transition(actor=actor, case=case, action="decide", on=decided)
    served = decided + 2 * DAY
    cases.case_transition(actor=actor, case=case, action="serve", on=served)
    return served


@register_demo_step(70, "enforcement.cases")
@transaction.atomic
def demo_cases(ctx: DemoContext) -> None:
    if PenaltyCase.objects.exists():
        ctx.log("处罚案件：已存在，跳过")
        return
    actor = User.objects.filter(username="lt_edu").first()
    if actor is None:
        ctx.log("处罚案件：没有龙亭区教育局账号，跳过")
        return
    today = timezone.localdate()
    taken = InstitutionOperator.objects.values_list("institution_id", flat=True)
    pool = list(
        Institution.objects.filter(
            division_code=PRIMARY_COUNTY,
            status=InstitutionStatus.ACTIVE,
            category=Category.SUBJECT,
        )
        .filter(Q(approving_department=Department.EDUCATION) | Q(approving_department=""))
        .exclude(pk__in=taken)
        .exclude(blacklist_entries__isnull=False)
        .order_by("pk")[:14]
    )
    if len(pool) < 12:
        ctx.log("处罚案件：龙亭区学科类机构不足，跳过")
        return
    inst = iter(pool)

    def file(days_ago: int, violation: str = Violation.DISGUISED, **kw: Any) -> PenaltyCase:
        filed = today - days_ago * DAY
        return cases.case_file(
            actor=actor,
            subject=kw.pop("subject", None) or Subject.of_institution(next(inst)),
            violation=violation,
            act_on=filed - 20 * DAY,
            facts=FACTS[violation],
            filed_on=filed,
            **kw,
        )

    # Filed, under investigation, overdue (no decision 100 days after filing), suspended.
    file(3)
    c = file(20, Violation.UNLICENSED, illegal_income_fen=860_000)
    cases.case_transition(actor=actor, case=c, action="investigate", on=c.filed_on)
    c = file(100)
    cases.case_transition(actor=actor, case=c, action="investigate", on=c.filed_on)
    c = file(40)
    cases.case_transition(actor=actor, case=c, action="investigate", on=c.filed_on)
    cases.case_transition(
        actor=actor, case=c, action="suspend", reason="当事人法定代表人因病无法接受询问", on=c.filed_on + 9 * DAY
    )

    # Notified: the defence period is running.
    c = file(10, severity=Severity.SERIOUS)
    _notify(actor, c, today - DAY, [Measure.RECTIFY, Measure.SUMMONS, Measure.WARNING, Measure.FINE], 1_000_000)

    # With a hearing: a large fine, the hearing requested, notified 7 working days ahead, held, decided, served.
    c = file(60, severity=Severity.ESPECIALLY_SERIOUS)
    notified = c.filed_on + 10 * DAY
    _notify(
        actor,
        c,
        notified,
        [Measure.RECTIFY, Measure.SUMMONS, Measure.WARNING, Measure.FINE],
        c.proposal["fine_max_fen"],  # 100,000 yuan: a large fine, so the party may ask for a hearing
    )
    cases.case_transition(actor=actor, case=c, action="record_hearing_request", on=add_working_days(notified, 2))
    notice_on = add_working_days(notified, 3)
    hearing_on = add_working_days(notice_on, 7)
    cases.case_document_issue(
        actor=actor, case=c, kind=CaseDocumentKind.HEARING_NOTICE, on=notice_on, hearing_on=hearing_on
    )
    cases.case_hearing_record(actor=actor, case=c, record="当事人承认违法事实，请求从轻处罚。", on=hearing_on)
    decided = add_working_days(hearing_on, 2)
    cases.case_transition(actor=actor, case=c, action="decide", on=decided)
    cases.case_transition(actor=actor, case=c, action="serve", on=decided + DAY)
    cases.case_publish(
        actor=actor, case=c, summary="以“思维训练”名义开展初中学科类培训，情节特别严重。", on=decided + 3 * DAY
    )

    # Decided, not yet served.
    c = file(15, Violation.COMPETITION)
    _notify(actor, c, c.filed_on + 2 * DAY, [Measure.RECTIFY, Measure.REFUND, Measure.SUMMONS, Measure.WARNING], 0)
    cases.case_transition(actor=actor, case=c, action="decide", on=add_working_days(c.filed_on + 2 * DAY, 4))

    # Served, fine not yet due.
    c = file(30, severity=Severity.SERIOUS)
    _notify(
        actor, c, c.filed_on + 5 * DAY, [Measure.RECTIFY, Measure.SUMMONS, Measure.WARNING, Measure.FINE], 2_000_000
    )
    cases.case_transition(actor=actor, case=c, action="decide", on=today - 8 * DAY)
    cases.case_transition(actor=actor, case=c, action="serve", on=today - 6 * DAY)

    # Paid late: 4 days after the 15-day period, +12 % surcharge; closed and published.
    c = file(80, Violation.UNLICENSED, illegal_income_fen=1_380_000)
    notified = c.filed_on + 7 * DAY
    _notify(
        actor,
        c,
        notified,
        [Measure.BAN, Measure.REFUND, Measure.CONFISCATE, Measure.FINE, Measure.RECTIFY, Measure.SUMMONS],
        1_380_000,
        confiscated_fen=1_380_000,
    )
    served = _decide_serve(actor, c, notified)
    cases.case_transition(actor=actor, case=c, action="execute", on=served + 19 * DAY)
    cases.case_transition(actor=actor, case=c, action="close", on=served + 20 * DAY)
    cases.case_publish(
        actor=actor, case=c, summary="未取得办学许可擅自开展学科类培训，违法所得1.38万元。", on=served + 21 * DAY
    )

    # Departing from the calculator (a warning only, reason recorded); closed and published.
    c = file(70, severity=Severity.SERIOUS)
    notified = c.filed_on + 6 * DAY
    _notify(
        actor,
        c,
        notified,
        [Measure.RECTIFY, Measure.WARNING],
        0,
        departure_reason="初次违法且危害后果轻微，已主动停止并退还全部费用（行政处罚法第三十二条从轻情节）。",
    )
    served = _decide_serve(actor, c, notified)
    cases.case_transition(actor=actor, case=c, action="close", on=served + DAY)
    cases.case_publish(actor=actor, case=c, summary="以“研学”名义开展学科类培训，已主动整改。", on=served + 2 * DAY)

    # The ladder: the third finding within two years revokes the licence (registry and black list follow).
    repeat = next(inst)
    for days_ago in (600, 300):
        old = file(days_ago, subject=Subject.of_institution(repeat))
        notified = old.filed_on + 5 * DAY
        measures = old.proposal["measures"]
        departs = cases.departs_from_proposal(old, measures, 0)
        _notify(
            actor,
            old,
            notified,
            measures,
            0,
            departure_reason="违法所得未查明，未处罚款。" if departs else "",
            stop_months=old.proposal.get("stop_months", 0),
        )
        served = _decide_serve(actor, old, notified)
        cases.case_transition(actor=actor, case=old, action="close", on=served + DAY)
    c = file(45, subject=Subject.of_institution(repeat))
    notified = c.filed_on + 5 * DAY
    _notify(actor, c, notified, [Measure.REVOKE], 0, departure_reason="吊销许可证件，不另行罚款。")
    served = _decide_serve(actor, c, notified)
    cases.case_transition(actor=actor, case=c, action="close", on=served + DAY)
    cases.case_publish(
        actor=actor, case=c, summary="两年内第三次查实违规开展学科类培训，依规吊销办学许可证。", on=served + DAY
    )

    # A person: an in-service teacher restricted from practice (published by masked name only).
    person = Person.objects.order_by("pk").first()
    if person is not None:
        c = file(50, subject=Subject.of_person(person, division_code=PRIMARY_COUNTY), in_service_teacher=True)
        notified = c.filed_on + 5 * DAY
        _notify(
            actor, c, notified, [Measure.RESTRICT_PRACTICE], 0, restriction_years=3, departure_reason="限制从业三年。"
        )
        served = _decide_serve(actor, c, notified)
        cases.case_transition(actor=actor, case=c, action="close", on=served + DAY)
        cases.case_publish(actor=actor, case=c, summary="在职中小学教师违规有偿补课。", on=served + DAY)

    # Dropped: the facts did not hold.
    c = file(25)
    cases.case_transition(actor=actor, case=c, action="investigate", on=c.filed_on)
    cases.case_transition(
        actor=actor, case=c, action="drop", reason="经调查，所涉课程为非学科类科技课程。", on=c.filed_on + 6 * DAY
    )

    published = PenaltyCase.objects.filter(published_on__isnull=False).count()
    ctx.log(f"处罚案件：{PenaltyCase.objects.count()} 件，公开 {published} 件")
