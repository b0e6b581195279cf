"""Labels of the actions the oversight app writes to the audit log."""

from django.utils.translation import gettext_lazy as _

from shuangjian.core.audit import register_action_labels

# --- bulletins ---
register_action_labels(
    {
        "bulletin.draft": _("工作简报：从数据起草"),
        "bulletin.edit": _("工作简报：修改文字"),
        "bulletin.publish": _("工作简报：发布"),
        "bulletin.revise": _("工作简报：起草修订版"),
    }
)
