"""Labels of the actions the grid app writes to the audit log."""

from django.utils.translation import gettext_lazy as _

from shuangjian.core.audit import register_action_labels

register_action_labels(
    {
        "grid_assignment.create": _("网格：分配网格员"),
        "grid_assignment.end": _("网格：结束网格员分配"),
        "grid_report.submit": _("网格：提交日报"),
        "grid_finding.lead": _("网格：发现转为检查线索"),
        "grid_finding.report": _("网格：发现转为举报案件"),
        "grid_finding.photo": _("网格：补传发现的现场照片"),
        "grid_reminder.send": _("网格：催报日报"),
    }
)
