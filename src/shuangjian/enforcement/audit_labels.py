"""Labels of the actions enforcement writes to the audit log."""

from django.utils.translation import gettext_lazy as _

from shuangjian.core.audit import register_action_labels

register_action_labels(
    {
        "inspection.lead": _("登记检查线索"),
        "unlicensed.record": _("登记无证无照培训"),
        "unlicensed.link": _("关联无证无照培训与机构"),
    }
)
