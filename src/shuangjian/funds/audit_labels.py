"""Labels of the actions the funds app writes to the audit log (the ledger's and refunds' from their choices)."""

from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from shuangjian.core.audit import register_action_labels

from .models import EntryKind, InstructionKind, RefundStatus

register_action_labels(
    {
        "funds.custody_close": _("关闭托管账户"),
        "funds.discrepancy_resolve": _("选择对账差异处理方式"),
        "funds.order_paid_direct": _("机构登记直接收款"),
        "funds.refund_paid_from_deposit": _("风险保证金代付退费"),
        "funds.refund_withdraw": _("家长撤回退费申请"),
        "funds.risk_deposit_release": _("退还风险保证金"),
        "funds.bank_create": _("新增托管银行"),
        "funds.bank_update": _("修改托管银行设置"),
        "funds.bank_operator_link": _("关联银行操作员"),
        "funds.custody_open": _("登记托管账户"),
        "funds.risk_deposit": _("登记风险保证金"),
        "institution.supervision_mode": _("变更资金监管方式"),
        "funds.order_create": _("生成缴费订单"),
        "funds.order_paid": _("缴费到账"),
        "funds.consumption_request": _("发起消课确认"),
        "funds.consumption_confirm": _("确认消课"),
        "funds.consumption_auto_confirm": _("逾期自动确认消课"),
        "funds.consumption_dispute": _("对消课提出异议"),
        "funds.dispute_resolve": _("处理消课异议"),
        "funds.release_uncovered": _("释放资金不足额"),
        "funds.refund_apply": _("申请退费"),
        "funds.refund_refuse": _("机构拒绝退费"),
        "funds.refund_reordered": _("重新发起退费指令"),
        "funds.refund_paid_direct": _("机构直接退款"),
        "funds.refund_receipt_confirmed": _("家长确认收到退款"),
        "funds.refund_receipt_disputed": _("家长对退款提出异议"),
        "funds.batch_sent": _("发送银行指令批次"),
        "funds.instruction_executed": _("银行回执：指令已执行"),
        "funds.instruction_failed": _("银行回执：指令被拒绝"),
        "funds.statement_import": _("导入银行对账单"),
        "funds.discrepancy_close": _("处理对账差异"),
        "funds.suspense_open": _("无法匹配款项挂账"),
        "funds.adjustment_propose": _("提出人工调整"),
        "funds.adjustment_approve": _("批准人工调整"),
        "funds.adjustment_reject": _("驳回人工调整"),
        "ledger.batch": _("批量记账"),
        **{f"ledger.{kind.value}": format_lazy("{}{}", _("记账："), kind.label) for kind in EntryKind},
        **{f"funds.refund_{status.value}": format_lazy("{}{}", _("退费："), status.label) for status in RefundStatus},
        **{
            f"funds.{kind.value}_batch": format_lazy("{}{}", _("生成指令批次："), kind.label)
            for kind in InstructionKind
        },
    }
)
