"""Labels of the actions the schools app writes to the audit log."""

from django.utils.translation import gettext_lazy as _

from shuangjian.core.audit import register_action_labels

register_action_labels(
    {
        "schools.roster_upload": _("上传在职教师名单"),
        "schools.plan_save": _("保存课后服务方案"),
        "schools.classes_import": _("导入班级课后服务数据"),
        "schools.class_save": _("保存班级课后服务数据"),
        "schools.pledges_prepare": _("生成在职教师承诺书"),
        "schools.pledge_sign": _("签署在职教师承诺书"),
        "schools.pledge_change_refused": _("拒绝修改已签署的承诺书"),
        "schools.case_open": _("在职教师违规线索立案"),
        "schools.case_answer": _("学校说明在职教师违规线索"),
        "schools.case_decide": _("认定在职教师违规线索"),
    }
)
