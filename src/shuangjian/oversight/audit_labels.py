"""Labels of the actions the oversight app writes to the audit log."""

from django.utils.translation import gettext_lazy as _

from shuangjian.core.audit import register_action_labels

# Orders, measures and evaluation.
register_action_labels(
    {
        "order.issue": _("督办：下达督办单"),
        "order.reply": _("督办：回复办理情况"),
        "order.accept": _("督办：审核办结"),
        "order.return": _("督办：退回重办"),
        "order.escalate": _("督办：逾期升级"),
        "measure.record": _("督导措施：记录"),
        "evaluation.compute": _("一体评价：计算评价期"),
        # Bulletins.
        "bulletin.draft": _("工作简报：从数据起草"),
        "bulletin.edit": _("工作简报：修改文字"),
        "bulletin.publish": _("工作简报：发布"),
        "bulletin.revise": _("工作简报：起草修订版"),
    }
)
