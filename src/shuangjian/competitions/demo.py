"""Competitions' part of the demo city: filings applied, approved, refused and published in Longting (and one in
Xiangfu), all through the services as the operators and the education bureaus would, plus one unfiled competition
found by a report. The published ones answer the portal's "is this competition on the list?"."""

from __future__ import annotations

import datetime

from django.utils import timezone

from shuangjian.core.demo import DemoContext, register_demo_step
from shuangjian.core.demo_core import PRIMARY_COUNTY, SECOND_COUNTY
from shuangjian.core.models import User
from shuangjian.core.validators import make_uscc
from shuangjian.registry.models import Institution, InstitutionOperator, InstitutionStatus

from . import services
from .models import Competition, FindingSource, SubjectArea

CERTIFICATE = "获奖证书仅作为学生参与活动的记录，不作为招生入学依据。"


def _data(
    name: str, area: str, levels: list[str], start: datetime.date, days: int, place: str, contact: str, **kw: object
) -> services.CompetitionData:
    return services.CompetitionData(
        name=name,
        subject_area=area,
        levels=levels,
        starts_on=start,
        ends_on=start + datetime.timedelta(days=days),
        places=place,
        fee_fen=0,
        certificate_text=CERTIFICATE,
        contact_name=contact,
        contact_phone="0371-22334455",
        **kw,  # type: ignore[arg-type]
    )


@register_demo_step(70, "competitions.filings")
def demo_competitions(ctx: DemoContext) -> None:
    if Competition.objects.filter(division_code__in=(PRIMARY_COUNTY, SECOND_COUNTY)).exists():
        ctx.log("竞赛活动：已存在，跳过")
        return
    lt_edu = User.objects.filter(username="lt_edu").first()
    xf_edu = User.objects.filter(username="xf_edu").first()
    if lt_edu is None or xf_edu is None:
        ctx.log("竞赛活动：缺少教育局账号，跳过")
        return
    today = timezone.localdate()
    soon = today + datetime.timedelta(days=20)
    arts_op = User.objects.filter(username="op_arts").first()

    # Published: the city's youth robotics contest, filed by an association the bureau recorded on paper.
    robotics = services.competition_create(
        actor=lt_edu,
        data=_data(
            "开封市龙亭区青少年机器人创意赛",
            SubjectArea.SCIENCE,
            ["五年级", "六年级", "七年级", "八年级"],
            soon,
            1,
            "龙亭区青少年宫（中山路88号）",
            "刘老师",
            organiser_name="开封市龙亭区青少年科技教育协会",
            organiser_uscc=make_uscc("5141020277000011"),
            division_code=PRIMARY_COUNTY,
        ),
        submit=True,
    )
    robotics = services.competition_approve(
        actor=lt_edu, competition=robotics, comment="材料齐全，免费参赛，证书表述合规。"
    )
    services.competition_publish(actor=lt_edu, competition=robotics)

    # Published: an arts institution's painting exhibition-contest, applied for by its operator.
    arts_link = (
        InstitutionOperator.objects.filter(user=arts_op).select_related("institution").first() if arts_op else None
    )
    if arts_op is not None and arts_link is not None:
        painting = services.competition_create(
            actor=arts_op,
            data=_data(
                "龙亭区少儿绘画展评活动",
                SubjectArea.ARTS,
                ["一年级", "二年级", "三年级"],
                soon,
                0,
                arts_link.institution.address,
                "王老师",
            ),
            submit=True,
        )
        services.competition_approve(actor=lt_edu, competition=painting)
        services.competition_publish(actor=lt_edu, competition=painting)
        # Awaiting review, from the same operator.
        services.competition_create(
            actor=arts_op,
            data=_data(
                "龙亭区少儿书法比赛",
                SubjectArea.ARTS,
                ["三年级", "四年级"],
                soon + datetime.timedelta(days=10),
                0,
                arts_link.institution.address,
                "王老师",
            ),
            submit=True,
        )
        # A draft still being filled in (no levels yet).
        services.competition_create(
            actor=arts_op,
            data=_data(
                "少儿手工创意赛（草稿）", SubjectArea.ARTS, [], soon + datetime.timedelta(days=30), 0, "待定", "王老师"
            ),
        )

    # Approved, not yet on the published list.
    reading = services.competition_create(
        actor=lt_edu,
        data=_data(
            "龙亭区中小学生经典诵读展示活动",
            SubjectArea.LANGUAGE,
            ["四年级", "五年级", "六年级"],
            soon + datetime.timedelta(days=5),
            0,
            "龙亭区图书馆报告厅",
            "赵老师",
            organiser_name="开封市龙亭区语言文字学会",
            organiser_uscc=make_uscc("5141020277000022"),
            division_code=PRIMARY_COUNTY,
        ),
        submit=True,
    )
    services.competition_approve(actor=lt_edu, competition=reading)

    # Refused: an "Olympiad" of subject knowledge ranking pupils (exam-oriented: 意见 §13).
    olympiad = services.competition_create(
        actor=lt_edu,
        data=_data(
            "小学数学思维能力挑战赛",
            SubjectArea.ACADEMIC,
            ["四年级", "五年级", "六年级"],
            soon,
            0,
            "某酒店会议厅",
            "孙先生",
            organiser_name="开封市某教育咨询协会",
            organiser_uscc=make_uscc("5141020277000033"),
            division_code=PRIMARY_COUNTY,
        ),
        submit=True,
    )
    services.competition_refuse(
        actor=lt_edu, competition=olympiad, reason="以学科知识排名选拔，属于强化应试的竞赛，不予备案（意见第十三条）。"
    )

    # Xiangfu's own list: numbered in Xiangfu's series.
    football = services.competition_create(
        actor=xf_edu,
        data=_data(
            "祥符区校园足球联赛",
            SubjectArea.SPORTS,
            ["七年级", "八年级", "九年级"],
            soon,
            14,
            "祥符区体育中心",
            "陈老师",
            organiser_name="开封市祥符区青少年体育协会",
            organiser_uscc=make_uscc("5141021277000044"),
            division_code=SECOND_COUNTY,
        ),
        submit=True,
    )
    services.competition_approve(actor=xf_edu, competition=football)
    services.competition_publish(actor=xf_edu, competition=football)

    # An unfiled "English star" contest an institution ran for a fee, found through a parent's report.
    candidates = Institution.objects.filter(division_code=PRIMARY_COUNTY, status=InstitutionStatus.ACTIVE)
    if arts_link is not None:
        candidates = candidates.exclude(pk=arts_link.institution_id)
    offender = candidates.order_by("pk").first()
    services.competition_finding_record(
        actor=lt_edu,
        organiser_institution=offender,
        organiser_name="" if offender else "某英语培训工作室",
        competition_name="少儿英语之星大赛",
        facts="未经备案面向小学生举办英语竞赛，收取报名费每人 200 元，宣称获奖可作为小升初加分依据。",
        source_kind=FindingSource.REPORT,
        source_ref="随手拍举报（演示）",
    )
    ctx.log(
        f"竞赛活动：{Competition.objects.filter(division_code__in=(PRIMARY_COUNTY, SECOND_COUNTY)).count()} 项"
        f"（公布名单查询示例编号 {robotics.filing_no}），未备案竞赛查处 1 条"
    )
