"""Labels of the actions public reports write to the audit log."""

from django.utils.translation import gettext_lazy as _

from shuangjian.core.audit import register_action_labels

register_action_labels(
    {
        "report.submit": _("提交举报"),
        "report.accept": _("受理举报"),
        "report.refuse": _("不予受理举报"),
        "report.assign": _("分办举报"),
        "report.dispatch": _("指派举报核查人员"),
        "report.check": _("确认举报已核查"),
        "report.answer": _("答复举报"),
        "report.close": _("办结举报"),
        "report.merge": _("合并重复举报"),
        "report.rate": _("评价举报答复"),
        "report.dispute": _("对举报答复提出异议"),
        "report.escalate": _("逾期举报升级至市级"),
    }
)
