"""Labels of the actions core writes to the audit log."""

from django.utils.translation import gettext_lazy as _

from .audit import register_action_labels

register_action_labels(
    {
        "api_token.issue": _("签发接口令牌"),
        "api_token.revoke": _("吊销接口令牌"),
        "calendar.day_set": _("设置节假日或调休日"),
        "calendar.day_delete": _("删除节假日或调休日"),
        "calendar.vacation_set": _("设置寒暑假"),
        "calendar.vacation_delete": _("删除寒暑假"),
        "export.start": _("导出数据"),
    }
)
