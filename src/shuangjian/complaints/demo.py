"""Public reports in the demo city: every state, some anonymous, some with photos, merged, overdue and escalated,
disputed. Every accepted report has its inspection (acceptance raises it) or a recorded reason."""

from __future__ import annotations

import datetime
import io
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone
from PIL import Image

from shuangjian.core.calendar import add_working_days
from shuangjian.core.demo import DemoContext, register_demo_step
from shuangjian.core.demo_core import PRIMARY_COUNTY
from shuangjian.core.models import User
from shuangjian.enforcement.models import Inspection, InspectionStatus
from shuangjian.registry.models import Institution

from . import services
from .models import Category, Channel, Report, ReportStatus

S = ReportStatus


def _photo(rng: Any, n: int) -> SimpleUploadedFile:
    buf = io.BytesIO()
    colour = (rng.randrange(256), rng.randrange(256), rng.randrange(256))
    Image.new("RGB", (640, 480), colour).save(buf, format="JPEG")
    return SimpleUploadedFile(f"demo{n}.jpg", buf.getvalue(), content_type="image/jpeg")


def _inspection_done(report: Report, inspector: User) -> None:
    assert report.inspection_id is not None
    now = timezone.now()
    Inspection.objects.filter(pk=report.inspection_id).update(
        status=InspectionStatus.DONE, inspected_at=now, completed_at=now, summary="现场核查：情况属实，已责令停止。"
    )


def _spread(rng: Any, pks: list[int]) -> None:
    """Finished reports move back over the last three months, each step a few days after the one before, so the
    statistics show real durations and months (open reports keep today's dates and deadlines)."""
    finished = (S.ANSWERED, S.CLOSED, S.REFUSED, S.MERGED)
    for report in Report.objects.filter(pk__in=pks, status__in=finished, disputed_at__isnull=True):
        received = timezone.now() - datetime.timedelta(days=rng.randint(20, 85))
        fields: dict[str, Any] = {"received_at": received}
        if report.acknowledged_at:
            fields["acknowledged_at"] = received + datetime.timedelta(days=rng.choice([0, 1, 1, 2]))
            fields["answer_due_on"] = add_working_days(timezone.localdate(fields["acknowledged_at"]), 15)
        if report.assigned_at:
            fields["assigned_at"] = fields["acknowledged_at"] + datetime.timedelta(days=rng.randint(1, 3))
        if report.checked_at:
            fields["checked_at"] = fields["assigned_at"] + datetime.timedelta(days=rng.randint(2, 8))
        if report.answered_at:
            fields["answered_at"] = fields["checked_at"] + datetime.timedelta(days=rng.randint(1, 14))
        if report.closed_at:
            fields["closed_at"] = fields["answered_at"] + datetime.timedelta(days=1)
        Report.objects.filter(pk=report.pk).update(**fields)


@register_demo_step(70, "complaints.reports")
def demo_reports(ctx: DemoContext) -> None:
    if Report.objects.exists():
        ctx.log("举报：已存在，跳过")
        return
    reg = User.objects.get(username="lt_edu")
    inspector = User.objects.get(username="lt_inspector")
    parent = User.objects.filter(role="parent").order_by("pk").first()
    insts = list(Institution.objects.filter(division_code=PRIMARY_COUNTY).order_by("pk")[:6])
    rng = ctx.rng
    addr = "开封市龙亭区{}路{}号"
    streets = ["中山", "自由", "书店", "北道门", "西大", "宋都御"]
    cats = Category.values
    made: list[Report] = []

    def new(
        i: int, *, inst: Institution | None = None, photos: int = 0, channel: str = Channel.WEB, **kw: Any
    ) -> Report:
        data = services.ReportInput(
            category=kw.get("category", cats[i % len(cats)]),
            description=kw.get("text", "晚上和周末在居民楼里给初中生上数学、英语课，一次几十人。"),
            address=addr.format(streets[i % len(streets)], 10 + i),
            institution=inst,
            institution_name="" if inst else f"{streets[i % len(streets)]}路补习班",
            phone="" if kw.get("anonymous") else f"1390000{i:04d}",
            channel=channel,
        )
        actor = reg if channel not in services.PUBLIC_CHANNELS else (parent if kw.get("signed_in") else None)
        report = services.report_submit(actor=actor, data=data, uploads=[_photo(rng, n) for n in range(photos)])
        made.append(report)
        return report

    def to(report: Report, state: str) -> Report:
        order = [S.ACCEPTED, S.ASSIGNED, S.DISPATCHED, S.CHECKED, S.ANSWERED, S.CLOSED]
        for step in order[: order.index(state) + 1]:  # type: ignore[arg-type]
            report.refresh_from_db()
            if step == S.ACCEPTED:
                services.report_accept(actor=reg, report=report)
            elif step == S.ASSIGNED:
                services.report_assign(actor=reg, report=report)
            elif step == S.DISPATCHED:
                services.report_dispatch(actor=reg, report=report, inspectors=[inspector])
            elif step == S.CHECKED:
                _inspection_done(report, inspector)
                services.report_check(actor=reg, report=report)
            elif step == S.ANSWERED:
                services.report_answer(
                    actor=reg, report=report, answer="经现场核查，情况属实。已责令停止违规培训，并纳入重点监管。"
                )
            elif step == S.CLOSED:
                services.report_close(actor=reg, report=report)
        report.refresh_from_db()
        return report

    inst = insts[0] if insts else None
    with transaction.atomic():
        new(0, photos=2, anonymous=True)  # new, anonymous, with photos
        new(1, channel=Channel.HOTLINE)  # new, recorded from the hotline
        services.report_refuse(
            actor=reg, report=new(2, text="邻居家孩子太吵。"), reason="不属于校外培训监管事项，请向社区反映。"
        )
        to(new(3, channel=Channel.TRANSFER_12345), S.ACCEPTED)
        primary = to(new(4, inst=inst, category=Category.FEES, photos=1), S.ASSIGNED)
        dup = new(5, inst=inst, category=Category.FEES, anonymous=True)
        services.report_merge(actor=reg, report=dup, primary=primary)
        to(new(6, channel=Channel.LETTER), S.DISPATCHED)
        checked = to(new(7), S.DISPATCHED)
        services.report_check(actor=reg, report=checked, no_check_reason="举报地址为空置房屋，多次上门无人，无法检查。")
        to(new(8, photos=1, signed_in=True), S.ANSWERED)
        closed = to(new(9, inst=insts[1] if len(insts) > 1 else None, photos=3), S.CLOSED)
        services.report_rate(report=closed, rating=5, comment="处理及时")
        to(new(10, channel=Channel.EMAIL), S.CLOSED)
        disputed = to(new(11, inst=insts[2] if len(insts) > 2 else None), S.ANSWERED)
        services.report_dispute(report=disputed, reason="答复后该机构仍在周末上课。")
        # Overdue: received a week ago and never acknowledged; accepted and never assigned.
        late_new = new(12, anonymous=True)
        late_accepted = to(new(13), S.ACCEPTED)
        week_ago = timezone.now() - datetime.timedelta(days=9)
        Report.objects.filter(pk__in=[late_new.pk, late_accepted.pk]).update(
            received_at=week_ago, due_on=timezone.localdate(week_ago) + datetime.timedelta(days=1)
        )
        escalated = services.reports_escalate_overdue()
        _spread(rng, [r.pk for r in made])
    orphans = services.reports_without_check().count()
    ctx.log(f"举报：{len(made)} 件（{escalated} 件逾期升级至市级；无检查的已受理举报 {orphans} 件）")
