"""Demo bulletins: the city's monthly 工作简报 for the last two months and 龙亭区's weekly 信息快报 for the last
two weeks, drafted from the demo data and published (so the portal's 工作简报 section has four issues)."""

from __future__ import annotations

import datetime

from django.utils import timezone

from shuangjian.core.demo import DemoContext, register_demo_step
from shuangjian.core.demo_core import PRIMARY_COUNTY
from shuangjian.core.models import User

from . import bulletins
from .models import Bulletin, BulletinSeries


@register_demo_step(96, "oversight.bulletins")
def demo_bulletins(ctx: DemoContext) -> None:
    if Bulletin.objects.exists():
        return
    city = User.objects.filter(username="kf_edu").first()
    county = User.objects.filter(username="lt_edu").first()
    if city is None or county is None:
        return
    today = timezone.localdate()
    this_month = today.replace(day=1)
    last_end = this_month - datetime.timedelta(days=1)
    prev_end = last_end.replace(day=1) - datetime.timedelta(days=1)
    monday = today - datetime.timedelta(days=today.weekday())
    issues = [
        (city, ctx.city_code, BulletinSeries.BRIEFING, prev_end.replace(day=1), prev_end),
        (city, ctx.city_code, BulletinSeries.BRIEFING, last_end.replace(day=1), last_end),
        (
            county,
            PRIMARY_COUNTY,
            BulletinSeries.EXPRESS,
            monday - datetime.timedelta(days=14),
            monday - datetime.timedelta(days=8),
        ),
        (
            county,
            PRIMARY_COUNTY,
            BulletinSeries.EXPRESS,
            monday - datetime.timedelta(days=7),
            monday - datetime.timedelta(days=1),
        ),
    ]
    for actor, division, series, start, end in issues:
        b = bulletins.bulletin_draft(
            actor=actor, division_code=division, series=series, period_start=start, period_end=end
        )
        bulletins.bulletin_publish(actor=actor, bulletin=b)
    ctx.log(f"工作简报：已发布 {len(issues)} 期")
