"""Oversight's part of the demo city: the city bureau's supervision orders to Longting and Xiangfu at every stage
(open, answered, returned, accepted, overdue and escalated), the other measures (通报, 约谈, 曝光, 问责), and one
county evaluation period per quarter of this year, computed from the demo data the earlier steps built."""

from __future__ import annotations

import datetime

from django.utils import timezone

from shuangjian.core.demo import DemoContext, register_demo_step
from shuangjian.core.demo_core import PRIMARY_COUNTY, SECOND_COUNTY
from shuangjian.core.models import User
from shuangjian.enforcement.inspection_selectors import notices_for_user
from shuangjian.registry.selectors import institution_list_for_user

from . import evaluation, orders
from .models import MeasureKind, OrderKind, SupervisionOrder

ONE_DAY = datetime.timedelta(days=1)


@register_demo_step(96, "oversight.orders")
def demo_orders(ctx: DemoContext) -> None:
    if SupervisionOrder.objects.exists():
        ctx.log("督办：已存在，跳过")
        return
    city = User.objects.filter(username="kf_edu").first()
    lt = User.objects.filter(username="lt_edu").first()
    xf = User.objects.filter(username="xf_edu").first()
    if city is None or lt is None or xf is None:
        ctx.log("督办：缺少教育局账号，跳过")
        return
    today = timezone.localdate()
    ago = today - datetime.timedelta(days=30)
    inst = institution_list_for_user(user=city).filter(division_code=PRIMARY_COUNTY).first()
    notice = notices_for_user(city).filter(division_code=PRIMARY_COUNTY).first()

    def issue(
        county: str, kind: str, title: str, days: int, on: datetime.date = today, **kw: object
    ) -> SupervisionOrder:
        return orders.order_issue(
            actor=city,
            kind=kind,
            division_code=county,
            title=title,
            requirements=title + "，请按期报送办理情况和佐证材料。",
            deadline=on + datetime.timedelta(days=days),
            today=on,
            **kw,
        )

    issue(PRIMARY_COUNTY, OrderKind.DISPATCH, "寒假前开展校外培训专项排查", 14)
    if inst is not None:
        issue(PRIMARY_COUNTY, OrderKind.LISTED, f"挂牌督办：{inst.name}预收费未纳入监管", 10, institution=inst)
    replied = issue(SECOND_COUNTY, OrderKind.DISPATCH, "核查群众反映的无证培训点", 10)
    orders.order_reply(actor=xf, order=replied, text="已会同市场监管部门现场核查，培训点已停止招生。")
    returned = issue(PRIMARY_COUNTY, OrderKind.DISPATCH, "整治违规培训广告", 10, on=ago)
    orders.order_reply(actor=lt, order=returned, text="已清理 3 处广告。")
    orders.order_decide(actor=city, order=returned, action="return", note="请补充清理前后的照片。")
    accepted = issue(SECOND_COUNTY, OrderKind.DISPATCH, "排查学科类隐形变异培训", 10, on=ago)
    orders.order_reply(actor=xf, order=accepted, text="排查 42 家，发现 2 家，已立案 1 家。")
    orders.order_decide(actor=city, order=accepted, action="accept", note="同意办结。")
    overdue = issue(
        PRIMARY_COUNTY,
        OrderKind.LISTED if notice else OrderKind.DISPATCH,
        "督促整改通知书逾期未整改的机构" if notice else "督促逾期未整改的机构",
        10,
        on=ago,
        notice=notice,
    )
    orders.orders_escalate(today=today)
    ctx.log(f"督办：已下达 {SupervisionOrder.objects.count()} 件（含逾期 {overdue.number}）")

    orders.measure_record(
        actor=city,
        kind=MeasureKind.NOTICE,
        counties=[PRIMARY_COUNTY, SECOND_COUNTY],
        title="关于校外培训治理工作进展情况的通报",
        body="龙亭区、祥符区整改通知书逾期未整改比例偏高，请于两周内完成整改。",
        happened_on=today - datetime.timedelta(days=7),
    )
    orders.measure_record(
        actor=city,
        kind=MeasureKind.INTERVIEW,
        counties=[SECOND_COUNTY],
        department="祥符区教育局",
        title="约谈祥符区教育局",
        body="督办事项办理滞后。",
        happened_on=today - datetime.timedelta(days=5),
        participants="市教育局副局长、祥符区教育局局长、校外培训监管股股长",
        minutes="区教育局作出说明，承诺一周内完成整改并报送情况。",
        order=replied,
    )
    orders.measure_record(
        actor=city,
        kind=MeasureKind.EXPOSURE,
        counties=[PRIMARY_COUNTY],
        title="曝光一批违规培训典型案例",
        body="在门户网站曝光台公布典型案例。",
        happened_on=today - datetime.timedelta(days=3),
        exposure_ref="/public/",
    )
    orders.measure_record(
        actor=city,
        kind=MeasureKind.ACCOUNTABILITY,
        counties=[PRIMARY_COUNTY],
        department="龙亭区教育局",
        title="对督办事项逾期未办结的问责",
        body="督办事项逾期未办结，予以通报批评。",
        happened_on=today - datetime.timedelta(days=1),
        responsible="某股室负责人",
    )

    # One evaluation period per quarter of this year, up to today.
    for q in range(4):
        start = datetime.date(today.year, 3 * q + 1, 1)
        if start > today:
            break
        end = (datetime.date(today.year + 1, 1, 1) if q == 3 else datetime.date(today.year, 3 * q + 4, 1)) - ONE_DAY
        evaluation.period_compute(
            actor=city, name=f"{today.year}年第{q + 1}季度", starts_on=start, ends_on=min(end, today)
        )
    ctx.log("一体评价：已按季度计算")
