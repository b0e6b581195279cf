"""Labels of the actions enforcement writes to the audit log."""

from django.utils.translation import gettext_lazy as _

from shuangjian.core.audit import register_action_labels

register_action_labels(
    {
        "inspection.lead": _("登记检查线索"),
        "unlicensed.record": _("登记无证无照培训"),
        "unlicensed.link": _("关联无证无照培训与机构"),
        # Inspections area
        "inspection.submit": _("提交检查记录"),
        "notice.issue": _("下达整改通知书"),
        "notice.answer": _("机构回复整改情况"),
        "notice.follow_up": _("安排整改复查"),
        "notice.close": _("整改通知书办结"),
        "notice.escalate": _("整改通知书转立案"),
        "notice.remind": _("催办逾期整改"),
        "summons.record": _("登记约谈"),
        "ad.record": _("登记违规广告标识"),
        "ad.removed": _("违规广告标识已清理"),
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
