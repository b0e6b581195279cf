"""Labels of the actions the staff app writes to the audit log."""

from django.utils.translation import gettext_lazy as _

from shuangjian.core.audit import register_action_labels

register_action_labels(
    {
        "staff.person_create": _("登记从业人员"),
        "staff.person_update": _("修改从业人员信息"),
        "staff.employment_create": _("登记聘用"),
        "staff.employment_update": _("修改聘用信息"),
        "staff.employment_end": _("登记离职"),
        "staff.employment_flag": _("标记从业人员问题"),
        "staff.flag_resolve": _("处理从业人员问题"),
        "staff.qualification_add": _("登记资格证书"),
        "staff.person_blacklist_add": _("列入从业人员黑名单"),
        "staff.person_blacklist_lift": _("移出从业人员黑名单"),
    }
)
