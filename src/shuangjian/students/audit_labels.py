"""Labels of the actions the students app writes to the audit log."""

from django.utils.translation import gettext_lazy as _

from shuangjian.core.audit import register_action_labels

register_action_labels(
    {
        "enrolment.binding_code_renew": _("重新生成家长绑定码"),
        "students.student_viewed_in_admin": _("后台查看学生档案"),
        "enrolment.create": _("新增报名"),
        "enrolment.update": _("修改报名"),
        "enrolment.cancel": _("取消报名"),
        "enrolment.contract_confirm": _("确认培训合同"),
        "attendance.record": _("记录考勤"),
        "student.bind": _("家长绑定孩子"),
        "student.bind_failed": _("家长绑定孩子未成功"),
    }
)
