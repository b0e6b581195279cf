"""Labels of the actions the schools app writes to the audit log."""

from django.utils.translation import gettext_lazy as _

from shuangjian.core.audit import register_action_labels

register_action_labels({"schools.roster_upload": _("上传在职教师名单")})
