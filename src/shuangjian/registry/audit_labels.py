"""Labels of the actions the registry writes to the audit log."""

from django.utils.translation import gettext_lazy as _

from shuangjian.core.audit import register_action_labels

register_action_labels(
    {
        "institution.register": _("登记机构"),
        "institution.approve": _("准予办学"),
        "institution.update": _("变更机构信息"),
        "institution.annual_inspection": _("登记年检结论"),
        "institution.status": _("变更办学状态"),
        "institution.deregister": _("注销机构"),
        "site.create": _("新增教学点"),
        "site.update": _("修改教学点"),
        "blacklist.add": _("列入机构黑名单"),
        "blacklist.lift": _("移出机构黑名单"),
        "licence_application.submit": _("提交办学许可申请"),
        "licence_application.resubmit": _("重新提交办学许可申请"),
        "licence_application.accept": _("受理办学许可申请"),
        "licence_application.start_review": _("开始材料审查"),
        "licence_application.pass_review": _("材料审查通过"),
        "licence_application.return": _("退回办学许可申请"),
        "licence_application.reject": _("不予许可"),
        "licence_application.approve": _("批准办学许可申请"),
        "registry.institution_export": _("导出机构名册"),
        "registry.list_publish": _("发布白名单/黑名单"),
        "registry.survey_import": _("导入摸排数据"),
    }
)
