"""Demo step of the inspections area: a year of inspections of every kind in the demo counties, rectification
notices at every stage (issued, overdue, answered, rechecking, closed, escalated) with a summons, unlicensed
operations, signs and ads (most removed), and today's tasks for the inspector demo account (lt_inspector).

Everything goes through the services, so numbers, deadlines, evidence and the audit log are what real use makes.
"""

from __future__ import annotations

import datetime
import io
import uuid

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image, ImageDraw

from shuangjian.core.demo import DemoContext, register_demo_step
from shuangjian.core.demo_core import PRIMARY_COUNTY, SECOND_COUNTY
from shuangjian.core.models import Department, User
from shuangjian.registry.models import Institution, InstitutionOperator, InstitutionStatus

from . import checklist, inspections, notices, services
from .models import Inspection, InspectionKind, InspectionSource, ItemResult, RectificationNotice
from .subjects import Subject

COLOURS = ((180, 40, 40), (40, 120, 180), (60, 150, 60), (200, 140, 20))


def _photo(ctx: DemoContext, label: str) -> SimpleUploadedFile:
    img = Image.new("RGB", (640, 480), COLOURS[ctx.rng.randrange(len(COLOURS))])
    ImageDraw.Draw(img).text((20, 20), label.encode("ascii", "ignore").decode() or "photo", fill=(255, 255, 255))
    out = io.BytesIO()
    img.save(out, format="JPEG", quality=70)
    return SimpleUploadedFile("photo.jpg", out.getvalue(), content_type="image/jpeg")


def _submit(
    ctx: DemoContext,
    actor: User,
    planned: Inspection,
    *,
    failed: dict[str, str] | None = None,
    days_ago: int = 0,
    joint: tuple[str, ...] = (),
) -> Inspection:
    failed = failed or {}
    items = [
        inspections.ItemInput(
            code=i.code,
            result=ItemResult.FAILED if i.code in failed else ItemResult.PASSED,
            note=failed.get(i.code, ""),
            photos=[_photo(ctx, i.code)] if i.code in failed else [],
        )
        for i in inspections.expected_items(planned, unlicensed=planned.subject_kind == "unlicensed")
    ]
    refused = bool(failed) and ctx.rng.random() < 0.2
    done, _created = inspections.inspection_submit(
        actor=actor,
        client_uuid=uuid.UUID(int=ctx.rng.getrandbits(128)),
        items=items,
        planned=planned,
        joint_departments=joint,
        place=getattr(planned.institution, "address", "") or "",
        inspector_signatures=actor.display_name,
        party_signature="" if refused else "负责人",
        party_refused=refused,
        inspected_at=timezone.now() - datetime.timedelta(days=days_ago),
    )
    return done


def _start(
    actor: User,
    subject: Subject,
    kind: str,
    *,
    source: str = InspectionSource.STAFF,
    day: datetime.date | None = None,
    note: str = "",
) -> Inspection:
    insp = services.inspection_lead_create(
        actor=actor, subject=subject, kind=kind, source=source, planned_on=day or timezone.localdate(), note=note
    )
    insp.lead_inspector = actor
    insp.save(update_fields=["lead_inspector"])
    insp.inspectors.add(actor)
    return insp


def _operator(inst: Institution) -> User | None:
    link = InstitutionOperator.objects.filter(institution=inst).select_related("user").first()
    return link.user if link else None


@register_demo_step(70, "enforcement.inspections")
def demo_inspections(ctx: DemoContext) -> None:
    if RectificationNotice.objects.exists():
        return
    inspector = User.objects.filter(username="lt_inspector").first()
    regulator = User.objects.filter(username="lt_edu").first()
    xf = User.objects.filter(username="xf_edu").first()
    if inspector is None or regulator is None:
        return
    today = timezone.localdate()
    active = list(
        Institution.objects.filter(division_code=PRIMARY_COUNTY, status=InstitutionStatus.ACTIVE).order_by("pk")
    )
    operated = {link.institution_id for link in InstitutionOperator.objects.all()}
    others = [i for i in active if i.pk not in operated]
    ctx.rng.shuffle(others)
    pick = iter(others)

    # Clean routine, random and report-triggered inspections over the year.
    for kind, days in ((InspectionKind.ROUTINE, 200), (InspectionKind.RANDOM, 150), (InspectionKind.REPORT, 60)):
        inst = next(pick)
        _submit(
            ctx,
            inspector,
            _start(inspector, Subject.of_institution(inst), kind, day=today - datetime.timedelta(days=days)),
            days_ago=days,
        )
    # A joint inspection with market regulation and fire.
    joint = _submit(
        ctx,
        regulator,
        _start(regulator, Subject.of_institution(next(pick)), InspectionKind.JOINT),
        failed={checklist.ADS: "门口张贴“提分保过”宣传海报"},
        joint=(Department.MARKET_REGULATION, Department.FIRE),
        days_ago=45,
    )
    # 回头看: a deregistered institution has really stopped.
    closed = Institution.objects.filter(division_code=PRIMARY_COUNTY, status=InstitutionStatus.DEREGISTERED).first()
    if closed is not None:
        _submit(ctx, inspector, _start(inspector, Subject.of_institution(closed), InspectionKind.RECHECK), days_ago=20)

    def notice_for(inst: Institution, failed: dict[str, str], days_ago: int) -> RectificationNotice:
        done = _submit(
            ctx,
            inspector,
            _start(inspector, Subject.of_institution(inst), InspectionKind.ROUTINE),
            failed=failed,
            days_ago=days_ago,
        )
        return notices.notice_issue(
            actor=inspector,
            inspection=done,
            issued_on=today - datetime.timedelta(days=days_ago),
            requirements="请逐项整改并上传整改照片。",
        )

    # Issued recently (waiting for the answer), and issued long ago and now overdue (chased).
    notices.notice_issue(actor=regulator, inspection=joint, issued_on=today - datetime.timedelta(days=45))
    notice_for(next(pick), {checklist.PRICES: "收费标准未在显著位置公示"}, 2)
    overdue = notice_for(
        next(pick), {checklist.PREMISES: "安全出口被杂物堵塞", checklist.CONTRACTS: "未使用合同示范文本"}, 40
    )
    notices.notices_remind_overdue(today=today)
    notices.summons_record(
        actor=regulator,
        notice=overdue,
        held_on=today - datetime.timedelta(days=3),
        place="龙亭区教育局三楼会议室",
        participants="区教育局 王科长、执法队 刘洋；机构法定代表人",
        minutes="逾期未整改，约谈负责人，要求五个工作日内完成整改。",
    )
    # The demo operators' own institutions: one notice answered (awaiting the recheck), one closed after it.
    op_insts = [i for i in active if i.pk in operated]
    for n, inst in enumerate(op_insts[:2]):
        notice = notice_for(inst, {checklist.PRICES: "价目表未公示"}, 12 + n * 20)
        operator = _operator(inst)
        if operator is None:
            continue
        notices.notice_answer(
            actor=operator, notice=notice, text="已在前台公示收费项目和标准。", photos=[_photo(ctx, "fixed")]
        )
        if n == 1:
            follow = notices.notice_follow_up(actor=inspector, notice=notice)
            _submit(ctx, inspector, follow, days_ago=5)
    # Rechecking today: the follow-up is on lt_inspector's list; and one escalated after a failed recheck.
    checking = notice_for(next(pick), {checklist.SCHEDULE: "周六上午开展学科类培训"}, 18)
    notices.notice_follow_up(actor=inspector, notice=checking)
    escalated = notice_for(next(pick), {checklist.IN_SERVICE: "发现在职教师授课"}, 30)
    follow = notices.notice_follow_up(actor=inspector, notice=escalated)
    _submit(ctx, inspector, follow, failed={checklist.IN_SERVICE: "在职教师仍在授课"}, days_ago=8)

    # Today's tasks: two planned inspections and an unassigned lead from a public report.
    _start(inspector, Subject.of_institution(next(pick)), InspectionKind.RANDOM, source=InspectionSource.PLAN)
    _start(inspector, Subject.of_institution(next(pick)), InspectionKind.ROUTINE)
    services.inspection_lead_create(
        actor=regulator,
        subject=Subject.of_institution(next(pick)),
        source=InspectionSource.REPORT,
        source_ref="JB2026-0001",
        planned_on=today,
        note="家长举报周末开展学科类培训",
    )

    # Unlicensed operations: one found and inspected (licence failed), one just reported.
    op = services.unlicensed_operation_record(
        actor=inspector,
        name="“学霸”托管辅导班",
        address="龙亭区北道门街某小区3号楼2单元",
        division_code=PRIMARY_COUNTY,
        people_seen="2名教师、约15名小学生",
        description="居民楼内开展数学、英语辅导，无办学许可证",
    )
    _submit(
        ctx,
        inspector,
        _start(inspector, Subject.of_unlicensed(op), InspectionKind.REPORT),
        failed={checklist.LICENCE: "无办学许可证、无营业执照", checklist.PREMISES: "居民住宅内培训"},
        days_ago=10,
    )
    services.unlicensed_operation_record(
        actor=inspector,
        name="无名英语角",
        address="龙亭区宋都御街附近商铺二楼",
        division_code=PRIMARY_COUNTY,
        description="网格员巡查发现，疑似无证培训",
    )

    # Signs and ads in both counties, most removed.
    places = ("中山路公交站", "小区门口", "学校门口100米", "商场电梯间", "宣传栏", "微信群")
    for n, place in enumerate(places):
        actor, county = (inspector, PRIMARY_COUNTY) if n < 4 or xf is None else (xf, SECOND_COUNTY)
        found = today - datetime.timedelta(days=10 + 7 * n)
        inspections.ad_finding_record(
            actor=actor,
            division_code=county,
            kind=("banner", "sign", "leaflet", "outdoor", "banner", "online")[n],
            place=place,
            found_on=found,
            subject_name="某学科培训机构",
            removed=n != 2,
            removed_on=found + datetime.timedelta(days=1) if n != 2 else None,
            photos=[_photo(ctx, "ad")],
        )
    ctx.log(
        f"enforcement: {Inspection.objects.count()} inspections, "
        f"{RectificationNotice.objects.count()} rectification notices"
    )
