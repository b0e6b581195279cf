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
