"""Schools' after-school service and in-service teachers in the demo city.

Every compulsory school of the demo county gets this term's plan and classes, through the services a school's
administrator uses: most offer "5+2", two fall short (4 days a week; 90 minutes a day), one junior class charges
above the fee cap, and one school serves fewer pupils than asked. ``lt_school``'s teachers get this year's pledges,
some signed online, one on paper, the rest missing; the roster upload in ``staff.people`` opened the in-service case.
"""

from __future__ import annotations

from django.utils import timezone

from shuangjian.core.demo import DemoContext, register_demo_step
from shuangjian.core.demo_core import PRIMARY_COUNTY, SECOND_COUNTY
from shuangjian.core.models import User

from . import afterschool, rules, teachers
from .models import InServiceCase, Pledge, School

ACTIVITIES = "作业辅导、阅读、体育锻炼、艺术社团、科技兴趣小组"


@register_demo_step(95, "schools.afterschool")
def demo_afterschool(ctx: DemoContext) -> None:
    admin = User.objects.filter(username="admin").first()
    lt_school = User.objects.filter(username="lt_school").first()
    if admin is None:
        return
    term = afterschool.current_term()
    schools = list(
        School.objects.filter(division_code__in=(PRIMARY_COUNTY, SECOND_COUNTY), kind__in=afterschool.COMPULSORY_KINDS)
    )
    short = 0
    # Ordered as the regulator sees them: 龙亭区 junior school first (its one class over the cap), then the rest.
    schools.sort(key=lambda s: (s.division_code, s.kind != "junior", s.name))
    for i, school in enumerate(schools):
        actor = lt_school if lt_school is not None and school.admins.filter(user=lt_school).exists() else admin
        days, minutes = 5, 120
        if i == 1:
            days = 4  # Fridays off: short of 5+2
        elif i == 3:
            minutes = 90  # short of the 2 hours
        short += (days, minutes) != (5, 120)
        providers = list(afterschool.provider_choices(school)[:1]) if i % 2 == 0 else []
        afterschool.plan_save(
            actor=actor,
            school=school,
            term=term,
            days_per_week=days,
            minutes_per_day=minutes,
            activities=ACTIVITIES,
            teachers=f"本校教师 {12 + i} 名",
            providers=[(p, "艺术社团") for p in providers],
        )
        grades = range(1, 7) if school.kind == "primary" else range(7, 10)
        for grade in grades:
            for n in (1, 2):
                pupils = 40 + ctx.rng.randint(0, 10)
                asked = pupils - ctx.rng.randint(0, 8)
                served = asked if i != 2 else asked - ctx.rng.randint(3, 8)
                stage = rules.stage_of_grade(grade) or rules.PRIMARY
                fee = min(rules.fee_cap_fen(stage), 6000 if stage == rules.PRIMARY else 10000)
                if i == 0 and grade == 8 and n == 1:
                    fee = rules.fee_cap_fen(stage) + 3000  # one class over the cap, for the regulator's list
                afterschool.class_save(
                    actor=actor,
                    school=school,
                    term=term,
                    row=afterschool.ClassRow(grade, f"{grade}年级{n}班", pupils, max(asked, 0), max(served, 0), fee),
                )

    signed = 0
    if lt_school is not None:
        own = School.objects.filter(admins__user=lt_school).first()
        if own is not None:
            teachers.pledges_prepare(actor=lt_school, school=own, year=timezone.localdate().year)
            pledges = list(Pledge.objects.filter(school=own).order_by("pk"))
            for p in pledges[:3]:
                teachers.pledge_sign_online(pledge=p, name=p.name, id_last4=p.resident_id[-4:], ip="192.0.2.10")
                signed += 1
            if len(pledges) > 3:
                teachers.pledge_record_paper(actor=lt_school, pledge=pledges[3])
                signed += 1
            signed_n, total = signed, len(pledges)
            ctx.log(f"在职教师承诺书：{total} 份，已签署 {signed_n} 份")
    ctx.log(
        f"课后服务：{len(schools)} 所义务教育学校填报方案，{short} 所未达到“5+2”，1 个班级收费超过上限；"
        f"在职教师违规线索 {InServiceCase.objects.count()} 条"
    )
