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

# Penalty cases (cases area)
register_action_labels(
    {
        "case.file": _("行政处罚立案"),
        "case.propose": _("确定拟处罚措施"),
        "case.document": _("制作案件文书"),
        "case.investigate": _("开始调查取证"),
        "case.notify": _("送达行政处罚事先告知书"),
        "case.request_hearing": _("当事人申请听证"),
        "case.record_hearing_request": _("登记听证申请"),
        "case.decide": _("作出行政处罚决定"),
        "case.serve": _("送达行政处罚决定书"),
        "case.execute": _("登记处罚执行"),
        "case.close": _("处罚案件结案"),
        "case.drop": _("不予处罚结案"),
        "case.suspend": _("中止处罚案件"),
        "case.resume": _("恢复办理处罚案件"),
        "case.defence": _("陈述申辩"),
        "case.hearing": _("举行听证"),
        "case.extend": _("延长办案期限"),
        "case.publish": _("公开处罚案件"),
        "case.unpublish": _("撤下公开的处罚案件"),
    }
)
