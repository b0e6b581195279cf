"""Demo: the June publication of Longting's white and black lists, so the portal has one to show."""

from __future__ import annotations

from django.utils import timezone

from shuangjian.core.demo import DemoContext, register_demo_step
from shuangjian.core.demo_core import PRIMARY_COUNTY
from shuangjian.core.models import User

from .lists import list_publish
from .models import ListPublication


# Last: the June publication snapshots the lists as they stand once every record is in (funds sets each
# institution's supervision mode from its custody account or deposit, and the white list needs one).
@register_demo_step(90, "registry.list_publication")
def demo_list_publication(ctx: DemoContext) -> None:
    year = timezone.localdate().year
    if ListPublication.objects.filter(year=year, division_code=PRIMARY_COUNTY).exists():
        ctx.log("黑白名单：已发布，跳过")
        return
    publisher = User.objects.filter(username="lt_edu").first()
    if publisher is None:
        ctx.log("黑白名单：缺少 lt_edu 账号，跳过")
        return
    pub = list_publish(actor=publisher, year=year, division_code=PRIMARY_COUNTY, note="演示：年度集中公布")
    ctx.log(f"黑白名单：{year} 年度龙亭区 白名单 {pub.whitelist_count} 家，黑名单 {pub.blacklist_count} 条")
