"""Labels of the actions enforcement writes to the audit log."""

from django.utils.translation import gettext_lazy as _

from shuangjian.core.audit import register_action_labels

register_action_labels(
    {
        "inspection.lead": _("登记检查线索"),
        "unlicensed.record": _("登记无证无照培训"),
        "unlicensed.link": _("关联无证无照培训与机构"),
    }
)

# --- plans and the random draw (双随机一公开) ---
register_action_labels(
    {
        "plan.create": _("制定抽查计划"),
        "draw.commit": _("生成随机种子并公示哈希"),
        "draw.perform": _("随机抽取机构与执法人员"),
        "draw.publish": _("公布抽取结果与随机种子"),
        "draw.discard": _("作废抽取结果"),
        "conflict.declare": _("登记执法人员回避关系"),
    }
)
