"""The demo city's random-inspection plans (双随机一公开): a year of plans for 龙亭区's education bureau with
published draws (one redrawn with a recorded reason), inspections done in the first round and partly in the
second (coverage partly complete; the rest are the inspectors' tasks), and 祥符区's plan with its seed's hash
published and the draw still to come."""

from __future__ import annotations

import datetime

from django.utils import timezone

from shuangjian.core.demo import DemoContext, register_demo_step
from shuangjian.core.demo_core import PRIMARY_COUNTY, SECOND_COUNTY, demo_user
from shuangjian.core.models import Department, Role, User
from shuangjian.registry.models import Institution

from . import plans
from .coverage import rebuild
from .models import Inspection, InspectionPlan, InspectionStatus, InspectorCertificate

PLAN_NAME = "校外培训机构双随机抽查"
# Inspectors of 龙亭区 besides lt_inspector (core's account), and of 祥符区: names and certificate numbers.
LT_INSPECTORS = (
    ("lt_inspector2", "龙亭区执法队 王磊"),
    ("lt_inspector3", "龙亭区执法队 张婷"),
    ("lt_inspector4", "龙亭区执法队 陈刚"),
)
LT_LATE = ("lt_inspector5", "龙亭区执法队 杨帆")  # certified after the first draw: the reason for the redraw
XF_INSPECTORS = (("xf_inspector", "祥符区执法队 马超"), ("xf_inspector2", "祥符区执法队 朱琳"))


def _inspector(ctx: DemoContext, username: str, name: str, county: str, serial: int) -> User:
    user = demo_user(ctx, username, Role.INSPECTOR, name, scope=county, department=Department.EDUCATION)
    InspectorCertificate.objects.get_or_create(
        user=user, defaults={"number": f"豫执{county}{serial:04d}", "valid_until": datetime.date(2029, 12, 31)}
    )
    return user


def _seed(ctx: DemoContext) -> str:
    return ctx.rng.randbytes(32).hex()


def _complete(ctx: DemoContext, inspection: Inspection, *, before: datetime.date) -> bool:
    """Record a drawn inspection as done on its planned day, if that day has passed."""
    day = inspection.planned_on
    if day is None or day >= before:
        return False
    at = timezone.make_aware(datetime.datetime.combine(day, datetime.time(9 + ctx.rng.randint(0, 7), 30)))
    Inspection.objects.filter(pk=inspection.pk).update(
        status=InspectionStatus.DONE,
        inspected_at=at,
        completed_at=at + datetime.timedelta(hours=1),
        place=inspection.subject_name,
        summary="按双随机抽查事项逐项检查，未发现违规问题。",
        inspector_signatures="、".join(str(u) for u in inspection.inspectors.all()),
        party_signature="机构负责人",
    )
    return True


@register_demo_step(70, "enforcement.plans")
def demo_plans(ctx: DemoContext) -> None:
    if InspectionPlan.objects.filter(division_code=PRIMARY_COUNTY).exists():
        ctx.log("抽查计划：已存在，跳过")
        return
    today = timezone.localdate()
    year = today.year
    regulator = User.objects.get(username="lt_edu")
    core_inspector = User.objects.get(username="lt_inspector")
    InspectorCertificate.objects.get_or_create(
        user=core_inspector,
        defaults={"number": f"豫执{PRIMARY_COUNTY}0001", "valid_until": datetime.date(2029, 12, 31)},
    )
    for n, (username, name) in enumerate(LT_INSPECTORS, start=2):
        _inspector(ctx, username, name, PRIMARY_COUNTY, n)
    # A declared relation: one inspector's relative runs an institution of the county.
    first = Institution.objects.filter(division_code=PRIMARY_COUNTY, status="active", category="subject").order_by("pk")
    related = first.first()
    if related is not None:
        plans.conflict_declare(
            actor=regulator,
            inspector=User.objects.get(username="lt_inspector3"),
            institution=related,
            reason="近亲属在该机构任职",
        )
    eligible = len(plans.eligible_institutions(InspectionPlan(division_code=PRIMARY_COUNTY, department="education")))
    plan = plans.plan_create(
        actor=regulator,
        data=plans.PlanData(
            name=f"{year}年度{PLAN_NAME}",
            year=year,
            division_code=PRIMARY_COUNTY,
            rounds=2,
            sample_size=max(1, eligible * 3 // 10),
            floor_bp=500,
            category_weights={},
        ),
    )
    # Round 1: drawn, then redrawn because a newly certified inspector was missing from the list.
    first_draw = plans.draw_perform(
        actor=regulator, draw=plans.draw_commit(actor=regulator, plan=plan, round_no=1, seed=_seed(ctx))
    )
    _inspector(ctx, LT_LATE[0], LT_LATE[1], PRIMARY_COUNTY, 5)
    redrawn = plans.draw_redraw(
        actor=regulator,
        draw=first_draw,
        reason="抽取后发现执法人员名单未包含新取得执法证的杨帆，名单不完整，作废重新抽取。",
        seed=_seed(ctx),
    )
    round1 = plans.draw_publish(actor=regulator, draw=plans.draw_perform(actor=regulator, draw=redrawn))
    round2 = plans.draw_publish(
        actor=regulator,
        draw=plans.draw_perform(
            actor=regulator, draw=plans.draw_commit(actor=regulator, plan=plan, round_no=2, seed=_seed(ctx))
        ),
    )
    done = 0
    for item in round1.items.select_related("inspection"):
        done += _complete(ctx, item.inspection, before=today) if item.inspection else 0
    # Round 2 is under way: about two thirds of the days that have passed are done, the rest are tasks.
    for item in round2.items.select_related("inspection"):
        if item.inspection and ctx.rng.random() < 0.65:
            done += _complete(ctx, item.inspection, before=today)
    # 祥符区: the plan's first round has its seed's hash and lists published; the draw is still to come.
    xf_regulator = User.objects.get(username="xf_edu")
    for n, (username, name) in enumerate(XF_INSPECTORS, start=1):
        _inspector(ctx, username, name, SECOND_COUNTY, n)
    xf_plan = plans.plan_create(
        actor=xf_regulator,
        data=plans.PlanData(
            name=f"{year}年度{PLAN_NAME}", year=year, division_code=SECOND_COUNTY, rounds=2, sample_size=20
        ),
    )
    plans.draw_commit(actor=xf_regulator, plan=xf_plan, round_no=1, seed=_seed(ctx))
    ctx.log(
        f"抽查计划：龙亭区 2 轮各抽 {plan.sample_size} 家（第 1 轮重新抽取一次），已完成检查 {done} 次；"
        "祥符区已公示种子哈希"
    )


@register_demo_step(99, "enforcement.coverage")
def demo_coverage(ctx: DemoContext) -> None:
    """Last: the demo steps write institutions and done inspections directly (not through the services that keep
    the coverage figures), so the figures are counted once from what they wrote."""
    result = rebuild()
    ctx.log(f"检查覆盖率：{result.institutions} 家正常办学机构，校正 {result.corrected} 家")
