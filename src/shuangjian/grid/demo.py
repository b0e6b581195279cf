"""Grid's part of the demo city: Longting's officers (lt_grid and three more) and one in Xiangfu hold cells for
six weeks and file daily reports through the services — most "nothing found", some late, some missing and
chased — and a few findings that became inspection leads and public-report cases (channel 网格员上报, one of
them accepted by the county). Today's reports are left for the visitor to file."""

from __future__ import annotations

import datetime
import io

from django.utils import timezone
from PIL import Image

from shuangjian.complaints.models import Report
from shuangjian.complaints.services import report_accept
from shuangjian.core import calendar
from shuangjian.core.demo import DemoContext, register_demo_step
from shuangjian.core.demo_core import PRIMARY_COUNTY, SECOND_COUNTY, demo_user
from shuangjian.core.models import GridAssignment, GridCell, Role, User
from shuangjian.core.photos import Photo, photo_check
from shuangjian.registry.models import Institution

from . import services
from .models import Finding, FindingKind, GridReport, SightingKind

WEEKS = 6
OFFICERS = [
    # username, name, county, how many cells
    ("lt_grid", "网格员 吴芳", PRIMARY_COUNTY, 2),
    ("lt_grid2", "网格员 马超", PRIMARY_COUNTY, 3),
    ("lt_grid3", "网格员 杨丽", PRIMARY_COUNTY, 3),
    ("lt_grid4", "网格员 朱明", PRIMARY_COUNTY, 2),
    ("xf_grid", "网格员 许静", SECOND_COUNTY, 3),
]


def _photo() -> Photo:
    buffer = io.BytesIO()
    Image.new("RGB", (640, 480), (200, 170, 120)).save(buffer, format="JPEG")
    buffer.seek(0)
    buffer.name = "shopfront.jpg"
    return photo_check(buffer)


@register_demo_step(80, "grid.reports")
def demo_grid(ctx: DemoContext) -> None:
    if GridAssignment.objects.filter(cell__code__startswith=PRIMARY_COUNTY).exists():
        ctx.log("网格日报：已存在，跳过")
        return
    rng = ctx.rng
    today = timezone.localdate()
    start = today - datetime.timedelta(weeks=WEEKS)
    officers: list[tuple[User, list[GridCell]]] = []
    for username, name, county, count in OFFICERS:
        taken = {c.pk for _u, cs in officers for c in cs}
        cells = [c for c in GridCell.objects.filter(code__startswith=county).order_by("code") if c.pk not in taken][
            :count
        ]
        # lt_grid comes from the accounts step already; list each account once.
        listed = User.objects.filter(username=username).exists()
        user = demo_user(
            ctx, username, Role.GRID_OFFICER, name, scope=cells[0].code if cells else county, record=not listed
        )
        for cell in cells:
            services.grid_assignment_create(actor=None, officer=user, cell=cell, start=start)
        officers.append((user, cells))

    # The day lt_grid's first cell had findings: filed below with them, not as a plain report.
    finding_day = calendar.add_working_days(today, -1)
    finding_cell = officers[0][1][0] if officers[0][1] else None
    # And the day a second officer's first cell had one (turned straight into a report case below).
    second_day = calendar.add_working_days(today, -2)
    # (A small city may leave the second officer without a cell: then lt_grid's cell, on that other day.)
    others = [(u, cs[0]) for u, cs in officers[1:] if cs] + [(officers[0][0], c) for c in officers[0][1]]
    second_officer, second_cell = others[0] if others else (None, None)
    reserved = {(finding_cell, finding_day), (second_cell, second_day)}
    reports = 0
    late = 0
    for user, cells in officers:
        for cell in cells:
            institutions = list(Institution.objects.filter(grid_code=cell.code).values_list("pk", flat=True)[:5])
            day = start
            while day < today:
                if calendar.is_working_day(day) and rng.random() > 0.07 and (cell, day) not in reserved:
                    data = services.ReportInput(is_zero=True)
                    if institutions and rng.random() < 0.15:
                        data = services.ReportInput(
                            places_patrolled="沿街商铺、居民小区底商",
                            sightings={pk: SightingKind.OPEN for pk in institutions[:3]},
                        )
                    result = services.grid_report_submit(actor=user, cell=cell, day=day, data=data)
                    # Most reports go in late afternoon; one in eight after the cut-off hour (late).
                    hour = 22 if rng.random() < 0.125 else rng.randint(9, 17)
                    late += hour >= 20
                    at = timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, rng.randint(0, 59))))
                    GridReport.objects.filter(pk=result.report.pk).update(submitted_at=at)
                    reports += 1
                day += datetime.timedelta(days=1)
    # The chase ran every evening: reminders for the gaps (filing late afterwards resolves none of these).
    chased = 0
    day = start
    while day < today:
        chased += services.grid_reminders_send(day=day)
        day += datetime.timedelta(days=1)

    # Findings on lt_grid's first cell, yesterday's or earlier: two became leads, one waits.
    lt_grid = officers[0][0]
    if finding_cell is not None:
        cell = finding_cell
        insts = list(Institution.objects.filter(grid_code=cell.code).order_by("pk")[:2])
        day = finding_day
        findings = [
            services.FindingInput(
                kind=FindingKind.UNLICENSED,
                name="小状元作业辅导",
                address="龙亭区北道门街12号二楼",
                description="居民楼内约十名小学生，门口张贴“暑期语数外提高班”广告。",
                photo=_photo(),
            ),
            services.FindingInput(kind=FindingKind.AD, description="公交站台“中考冲刺一对一”广告，无机构名称。"),
        ]
        sightings: dict[int, str] = {}
        if insts:
            sightings[insts[0].pk] = SightingKind.AGAINST_ORDER
            findings.append(
                services.FindingInput(
                    kind=FindingKind.AGAINST_ORDER, institution_id=insts[0].pk, description="责令停止招生后仍在上课。"
                )
            )
        result = services.grid_report_submit(
            actor=lt_grid,
            cell=cell,
            day=day,
            data=services.ReportInput(
                places_patrolled="北道门街、宋都御街", sightings=sightings, findings=tuple(findings)
            ),
        )
        cases: list[Report | None] = []
        for finding in result.report.findings.order_by("pk"):
            if finding.kind != FindingKind.AD:
                finding = services.grid_finding_to_lead(actor=lt_grid, finding=finding)
            # The unlicensed point and the bus-stop ad also became report cases (the point has both a lead and a
            # case: accepting the case takes the lead as its check).
            if finding.kind != FindingKind.AGAINST_ORDER:
                finding = services.grid_finding_to_report(actor=lt_grid, finding=finding)
                cases.append(finding.public_report)
        lt_edu = User.objects.filter(username="lt_edu").first()
        if lt_edu is not None and cases and cases[0] is not None:
            report_accept(actor=lt_edu, report=cases[0])
    # A second officer's point, with its photo, went straight to a report case (no lead yet).
    if second_officer is not None and second_cell is not None:
        point = services.FindingInput(
            kind=FindingKind.UNLICENSED,
            name="智慧树思维训练",
            address="龙亭区寺后街21号三楼",
            description="周六上午约二十名初中生上数学课，门口无招牌。",
            photo=_photo(),
        )
        filed = services.grid_report_submit(
            actor=second_officer,
            cell=second_cell,
            day=second_day,
            data=services.ReportInput(places_patrolled="寺后街", findings=(point,)),
        )
        services.grid_finding_to_report(actor=second_officer, finding=filed.report.findings.get())
    n_cases = Finding.objects.filter(public_report__isnull=False).count()
    ctx.log(
        f"网格日报：{len(officers)} 名网格员，{reports} 份日报（{late} 份逾时），催报 {chased} 次，"
        f"{n_cases} 条发现已转为举报案件"
    )
