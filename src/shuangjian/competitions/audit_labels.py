"""Labels of the actions the competitions app writes to the audit log."""

from django.utils.translation import gettext_lazy as _

from shuangjian.core.audit import register_action_labels

register_action_labels(
    {
        "competition.create": _("竞赛活动：填写申报"),
        "competition.update": _("竞赛活动：修改申报"),
        "competition.submit": _("竞赛活动：提交备案申请"),
        "competition.approve": _("竞赛活动：准予备案"),
        "competition.refuse": _("竞赛活动：不予备案"),
        "competition.publish": _("竞赛活动：列入公布名单"),
        "competition.withdraw": _("竞赛活动：撤销备案"),
        "competition.expire": _("竞赛活动：备案周期结束"),
        "competition_finding.record": _("记录未备案竞赛"),
    }
)
