"""Labels of the actions the courses app writes to the audit log."""

from django.utils.translation import gettext_lazy as _

from shuangjian.core.audit import register_action_labels

register_action_labels(
    {
        "violation.close": _("办结违规记录"),
        "violation.notify": _("通知机构整改违规"),
        "course.create": _("新建课程"),
        "course.update": _("修改课程"),
        "course_material.file": _("备案课程材料"),
        "course_material.approve": _("审核课程材料"),
        "class_group.create": _("新建班级"),
        "class_group.update": _("修改班级"),
        "session.create": _("新增课次"),
        "session.update": _("修改课次"),
        "session.cancel": _("取消课次"),
        "session.generate_weekly": _("按周生成课次"),
        "guidance_price.set": _("设定政府指导价"),
        "violation_scan.start": _("启动违规课次排查"),
    }
)
