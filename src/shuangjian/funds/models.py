"""Prepaid fund supervision: banks, custody, the double-entry ledger, payments, release, refunds, reconciliation.

Sign convention (see ``funds/ledger/__init__.py``): a ``Posting.amount_fen`` is positive for a debit and negative for a
credit; the postings of one ``JournalEntry`` sum to zero. ``LedgerAccount.balance_fen`` is kept in the account's
natural direction (assets: debits − credits; liabilities: credits − debits), so every balance is ≥ 0.

Rows here are written only by the services in ``ledger/``, ``payments.py``, ``release.py``, ``refunds.py``
and ``reconcile.py``; never through ``save()`` logic or signals.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from shuangjian.courses.models import Session
from shuangjian.registry.models import Institution
from shuangjian.students.models import Attendance, Enrolment


class StatementFormat(models.TextChoices):
    CSV = "csv", _("CSV")
    XLSX = "xlsx", _("Excel")


class SignatureScheme(models.TextChoices):
    """What a bank's notification HMAC covers (see ``funds/signing.py``); values match ``signing.SCHEMES``."""

    BODY = "body", _("原始请求体")
    TIMESTAMP_BODY = "timestamp_body", _("时间戳 + 原始请求体")


class Bank(models.Model):
    """A custody bank. ``code`` appears in the notification URL; ``notification_secret`` keys its HMAC over what
    ``signature_scheme`` says (timestamp + raw body by default)."""

    code = models.SlugField(_("银行代码"), max_length=32, unique=True)
    name = models.CharField(_("银行名称"), max_length=128)
    notification_secret = models.CharField(_("通知签名密钥"), max_length=128)
    signature_scheme = models.CharField(
        _("签名方式"),
        max_length=16,
        choices=SignatureScheme.choices,
        default=SignatureScheme.TIMESTAMP_BODY,
        help_text=_("HMAC-SHA256 所覆盖的内容；时间戳均须在规定时限内。"),
    )
    statement_format = models.CharField(
        _("对账单格式"), max_length=8, choices=StatementFormat.choices, default=StatementFormat.CSV
    )
    instruction_url = models.CharField(_("指令接收地址"), max_length=255, blank=True)
    division_code = models.CharField(
        _("服务区划代码"),
        max_length=12,
        blank=True,
        db_index=True,
        help_text=_("该行托管业务服务的市或县区代码（如 4102、410202）；无机构归属的对账差异由该区划监管人员处理。"),
    )
    is_active = models.BooleanField(_("启用"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("托管银行")
        verbose_name_plural = _("托管银行")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class BankOperator(models.Model):
    """Ties a custody-bank operator account to the one bank it works for (as ``InstitutionOperator`` does for an
    institution): the operator sees and acts on that bank's instructions, statements and cases only."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="bank_operated", verbose_name=_("账号")
    )
    bank = models.ForeignKey(Bank, on_delete=models.PROTECT, related_name="operators", verbose_name=_("银行"))

    class Meta:
        verbose_name = _("银行操作员")
        verbose_name_plural = _("银行操作员")

    def __str__(self) -> str:
        return f"{self.user} → {self.bank}"


class CustodyAccount(models.Model):
    """An institution's supervised custody account (银行托管). One active account per institution."""

    institution = models.ForeignKey(
        Institution, on_delete=models.PROTECT, related_name="custody_accounts", verbose_name=_("机构")
    )
    bank = models.ForeignKey(Bank, on_delete=models.PROTECT, related_name="custody_accounts", verbose_name=_("银行"))
    account_no = models.CharField(_("托管账号"), max_length=40)
    account_name = models.CharField(_("账户名称"), max_length=128)
    # Where released money is paid out: the institution's own settlement (basic) account named in the custody
    # agreement. A release instruction needs it; without it the institution's money is not instructed.
    settlement_account_no = models.CharField(_("结算账号"), max_length=40, blank=True)
    settlement_account_name = models.CharField(_("结算账户户名"), max_length=128, blank=True)
    settlement_bank_name = models.CharField(_("结算账户开户行"), max_length=128, blank=True)
    opened_on = models.DateField(_("开户日期"))
    is_active = models.BooleanField(_("有效"), default=True)
    division_code = models.CharField(_("所属县区代码"), max_length=6, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("托管账户")
        verbose_name_plural = _("托管账户")
        constraints = [
            models.UniqueConstraint(fields=["bank", "account_no"], name="custody_account_no_unique"),
            models.UniqueConstraint(
                fields=["institution"], condition=models.Q(is_active=True), name="custody_one_active_per_institution"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.bank} {self.account_no}"


class RiskDeposit(models.Model):
    """A risk deposit (风险保证金) covering an institution's prepaid fees instead of (or besides) custody."""

    institution = models.ForeignKey(
        Institution, on_delete=models.PROTECT, related_name="risk_deposits", verbose_name=_("机构")
    )
    bank = models.ForeignKey(
        Bank, on_delete=models.PROTECT, null=True, blank=True, related_name="risk_deposits", verbose_name=_("存管银行")
    )
    amount_fen = models.BigIntegerField(_("保证金金额（分）"))
    required_share_bp = models.PositiveIntegerField(_("应缴比例（万分比）"), help_text=_("占预收费的比例，万分之几"))
    deposited_on = models.DateField(_("缴存日期"))
    is_active = models.BooleanField(_("有效"), default=True)
    division_code = models.CharField(_("所属县区代码"), max_length=6, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("风险保证金")
        verbose_name_plural = _("风险保证金")
        constraints = [
            models.CheckConstraint(condition=models.Q(amount_fen__gte=0), name="risk_deposit_amount_nonneg"),
            models.CheckConstraint(condition=models.Q(required_share_bp__lte=10000), name="risk_deposit_share_le_1"),
        ]

    def __str__(self) -> str:
        return f"{self.institution} {self.amount_fen}"

    @property
    def share_percent(self) -> str:
        return f"{self.required_share_bp / 100:g}"


# ---------------------------------------------------------------------------------------------------- ledger


class AccountKind(models.TextChoices):
    """Asset: CUSTODY_CASH. Liabilities (what the custody money is owed to): the rest."""

    CUSTODY_CASH = "custody_cash", _("托管资金")
    PARENT_PREPAID = "parent_prepaid", _("家长预付余额")
    INSTITUTION_SETTLED = "institution_settled", _("机构已释放待划付")
    REFUNDS_PAYABLE = "refunds_payable", _("应退家长款")
    SUSPENSE = "suspense", _("待查明款项")


ASSET_KINDS = frozenset({AccountKind.CUSTODY_CASH})


class LedgerAccount(models.Model):
    """One ledger account. ``key`` names it uniquely (``cash:i:<institution>``, ``prepaid:e:<enrolment>`` ...).

    ``balance_fen`` is maintained by ``ledger.journal_post`` under a row lock, in the natural direction of the
    account, and can never be negative (a check constraint backs the service's own check).
    """

    key = models.CharField(_("账户键"), max_length=64, unique=True)
    kind = models.CharField(_("科目"), max_length=20, choices=AccountKind.choices, db_index=True)
    institution = models.ForeignKey(
        Institution, on_delete=models.PROTECT, null=True, blank=True, related_name="ledger_accounts"
    )
    enrolment = models.ForeignKey(
        Enrolment, on_delete=models.PROTECT, null=True, blank=True, related_name="ledger_accounts"
    )
    bank = models.ForeignKey(Bank, on_delete=models.PROTECT, null=True, blank=True, related_name="ledger_accounts")
    balance_fen = models.BigIntegerField(_("余额（分）"), default=0)
    division_code = models.CharField(_("所属县区代码"), max_length=6, blank=True, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("分户账")
        verbose_name_plural = _("分户账")
        constraints = [
            models.CheckConstraint(condition=models.Q(balance_fen__gte=0), name="ledger_balance_nonneg"),
        ]

    def __str__(self) -> str:
        return self.key

    @property
    def is_asset(self) -> bool:
        return self.kind in ASSET_KINDS


class EntryKind(models.TextChoices):
    PAYMENT_IN = "payment_in", _("家长缴费入托管")
    SUSPENSE_IN = "suspense_in", _("无法匹配款项挂账")
    SUSPENSE_ALLOCATE = "suspense_allocate", _("挂账款项认领")
    RELEASE = "release", _("确认消课释放")
    PAYOUT = "payout", _("释放资金划付机构")
    REFUND_APPROVE = "refund_approve", _("退费确认应退")
    REFUND_PAID = "refund_paid", _("退费银行已付")
    SUSPENSE_RETURN = "suspense_return", _("挂账款项退回")
    ADJUSTMENT = "adjustment", _("人工调整")


class JournalEntry(models.Model):
    """A balanced set of postings. Never updated or deleted (a PostgreSQL trigger refuses both).

    ``idempotency_key`` (unique when set) lets a caller retry a post safely: the same key returns the first entry.
    ``bank_reference`` is what reconciliation matches against the bank's statement lines.
    """

    kind = models.CharField(_("类型"), max_length=20, choices=EntryKind.choices)
    reference = models.CharField(_("业务参考"), max_length=80, blank=True)
    idempotency_key = models.CharField(_("幂等键"), max_length=120, null=True, blank=True)
    # The entry's references are checked per INSERT statement, not per row (migration 0006), like postings'.
    bank = models.ForeignKey(
        Bank, on_delete=models.PROTECT, null=True, blank=True, related_name="+", db_index=False, db_constraint=False
    )
    bank_reference = models.CharField(_("银行流水号"), max_length=64, blank=True)
    institution = models.ForeignKey(
        Institution, on_delete=models.PROTECT, null=True, blank=True, related_name="+", db_constraint=False
    )
    enrolment = models.ForeignKey(
        Enrolment, on_delete=models.PROTECT, null=True, blank=True, related_name="+", db_constraint=False
    )
    memo = models.CharField(_("摘要"), max_length=255, blank=True)
    business_date = models.DateField(_("记账日期"))
    created_at = models.DateTimeField(_("记账时间"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    division_code = models.CharField(_("所属县区代码"), max_length=6, blank=True)

    class Meta:
        verbose_name = _("记账凭证")
        verbose_name_plural = _("记账凭证")
        ordering = ["-id"]
        # Every index is paid for on every entry a bulk post writes, so only the ones a query needs: idempotent
        # retries, reconciliation by bank reference, day/kind sums (scoped queries narrow by date first), and
        # the per-institution and per-enrolment views.
        constraints = [
            models.UniqueConstraint(
                fields=["idempotency_key"],
                condition=models.Q(idempotency_key__isnull=False),
                name="journalentry_idempotency_key_uniq",
            ),
        ]
        indexes = [
            models.Index(fields=["bank_reference"], name="journalentry_bank_ref"),
            models.Index(fields=["business_date", "kind"], name="journalentry_day_kind"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.kind} {self.reference}"


class Posting(models.Model):
    """One line of an entry: ``amount_fen`` > 0 debits the account, < 0 credits it. Never zero."""

    # No per-row foreign-key constraints: on PostgreSQL one set-based check per INSERT statement (migration 0006)
    # proves the accounts exist and, at COMMIT, that every entry exists, has ≥ 2 postings and sums to zero.
    entry = models.ForeignKey(JournalEntry, on_delete=models.PROTECT, related_name="postings", db_constraint=False)
    account = models.ForeignKey(LedgerAccount, on_delete=models.PROTECT, related_name="postings", db_constraint=False)
    amount_fen = models.BigIntegerField(_("金额（分，借正贷负）"))

    class Meta:
        verbose_name = _("分录")
        verbose_name_plural = _("分录")
        constraints = [models.CheckConstraint(condition=~models.Q(amount_fen=0), name="posting_nonzero")]

    def __str__(self) -> str:
        return f"{self.account_id} {self.amount_fen}"


# ---------------------------------------------------------------------------------------------------- payment in


class PaymentOrderStatus(models.TextChoices):
    PENDING = "pending", _("待缴费")
    PAID = "paid", _("已缴费")
    CANCELLED = "cancelled", _("已取消")


class PaymentOrder(models.Model):
    """A charge the parent pays through the custody bank; fee caps are checked when it is created.

    ``bank`` is blank for an institution under a risk deposit instead of custody: the parent pays the institution,
    which records the receipt (``direct_reference``); no ledger entry, as for its refunds (``RefundRoute.DIRECT``).
    """

    order_no = models.CharField(_("缴费单号"), max_length=40, unique=True)
    enrolment = models.ForeignKey(
        Enrolment, on_delete=models.PROTECT, related_name="payment_orders", verbose_name=_("报名")
    )
    institution = models.ForeignKey(Institution, on_delete=models.PROTECT, related_name="payment_orders")
    bank = models.ForeignKey(Bank, on_delete=models.PROTECT, null=True, blank=True, related_name="payment_orders")
    direct_reference = models.CharField(_("机构收款凭证号"), max_length=64, blank=True)
    amount_fen = models.BigIntegerField(_("金额（分）"))
    class_hours = models.PositiveIntegerField(_("课时数"))
    period_start = models.DateField(_("服务开始"))
    period_end = models.DateField(_("服务结束"))
    is_renewal = models.BooleanField(_("续费"), default=False)
    status = models.CharField(
        _("状态"), max_length=10, choices=PaymentOrderStatus.choices, default=PaymentOrderStatus.PENDING, db_index=True
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    paid_at = models.DateTimeField(_("缴费时间"), null=True, blank=True)
    entry = models.ForeignKey(JournalEntry, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    division_code = models.CharField(_("所属县区代码"), max_length=6, db_index=True)

    class Meta:
        verbose_name = _("缴费单")
        verbose_name_plural = _("缴费单")
        ordering = ["-created_at"]
        constraints = [models.CheckConstraint(condition=models.Q(amount_fen__gt=0), name="payment_order_positive")]

    def __str__(self) -> str:
        return self.order_no


class NotificationOutcome(models.TextChoices):
    PROCESSING = "processing", _("处理中")
    BOOKED = "booked", _("已入账")
    SUSPENSE = "suspense", _("已挂账待查")
    DUPLICATE_ORDER = "duplicate_order", _("缴费单已缴，转挂账")


class BankNotification(models.Model):
    """A bank's payment notification, stored once per (bank, notification_id); a repeat gets the stored answer."""

    bank = models.ForeignKey(Bank, on_delete=models.PROTECT, related_name="notifications")
    notification_id = models.CharField(_("银行通知编号"), max_length=64)
    received_at = models.DateTimeField(auto_now_add=True)
    body_sha256 = models.CharField(max_length=64)
    payload = models.JSONField(default=dict)
    outcome = models.CharField(
        _("结果"), max_length=16, choices=NotificationOutcome.choices, default=NotificationOutcome.PROCESSING
    )
    response_status = models.PositiveSmallIntegerField(default=200)
    response_body = models.JSONField(default=dict)
    order = models.ForeignKey(PaymentOrder, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    entry = models.ForeignKey(JournalEntry, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    division_code = models.CharField(_("所属县区代码"), max_length=6, blank=True, db_index=True)

    class Meta:
        verbose_name = _("银行到账通知")
        verbose_name_plural = _("银行到账通知")
        constraints = [
            models.UniqueConstraint(fields=["bank", "notification_id"], name="bank_notification_once"),
        ]

    def __str__(self) -> str:
        return f"{self.bank_id}:{self.notification_id}"


class SuspenseStatus(models.TextChoices):
    OPEN = "open", _("待处理")
    ALLOCATED = "allocated", _("已认领入账")
    RETURNED = "returned", _("已退回")


class SuspenseCase(models.Model):
    """Money that arrived but matched no enrolment/order; parked in the bank's suspense account until resolved."""

    bank = models.ForeignKey(Bank, on_delete=models.PROTECT, related_name="suspense_cases")
    notification = models.ForeignKey(
        BankNotification, on_delete=models.PROTECT, null=True, blank=True, related_name="suspense_cases"
    )
    amount_fen = models.BigIntegerField(_("金额（分）"))
    bank_reference = models.CharField(_("银行流水号"), max_length=64, blank=True, db_index=True)
    reason = models.CharField(_("原因"), max_length=255)
    status = models.CharField(
        _("状态"), max_length=10, choices=SuspenseStatus.choices, default=SuspenseStatus.OPEN, db_index=True
    )
    entry = models.ForeignKey(JournalEntry, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    resolution_entry = models.ForeignKey(
        JournalEntry, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)
    division_code = models.CharField(_("所属县区代码"), max_length=6, blank=True, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("挂账待查")
        verbose_name_plural = _("挂账待查")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.bank_reference} {self.amount_fen}"


# ---------------------------------------------------------------------------------------------------- instructions


class InstructionKind(models.TextChoices):
    RELEASE = "release", _("释放划付")
    REFUND = "refund", _("退费")
    SUSPENSE_RETURN = "suspense_return", _("挂账退回")


class InstructionStatus(models.TextChoices):
    DRAFT = "draft", _("待发送")
    SENT = "sent", _("已发送")
    EXECUTED = "executed", _("银行已执行")
    FAILED = "failed", _("银行拒绝")


class BankInstructionBatch(models.Model):
    """A batch of instructions sent to one bank together (file or API). ``reference`` is unique so a resend is safe."""

    bank = models.ForeignKey(Bank, on_delete=models.PROTECT, related_name="instruction_batches")
    kind = models.CharField(_("类型"), max_length=16, choices=InstructionKind.choices)
    reference = models.CharField(_("批次号"), max_length=40, unique=True)
    status = models.CharField(
        _("状态"), max_length=10, choices=InstructionStatus.choices, default=InstructionStatus.DRAFT, db_index=True
    )
    total_fen = models.BigIntegerField(_("合计（分）"), default=0)
    item_count = models.PositiveIntegerField(_("笔数"), default=0)
    file = models.FileField(_("指令文件"), upload_to="funds/instructions/%Y/%m/", blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    division_code = models.CharField(_("所属县区代码"), max_length=6, blank=True, db_index=True)

    class Meta:
        verbose_name = _("银行指令批次")
        verbose_name_plural = _("银行指令批次")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.reference


class BankInstruction(models.Model):
    """One instruction to move custody money out (to the institution, or back to a parent)."""

    batch = models.ForeignKey(
        BankInstructionBatch, on_delete=models.PROTECT, null=True, blank=True, related_name="instructions"
    )
    bank = models.ForeignKey(Bank, on_delete=models.PROTECT, related_name="instructions")
    kind = models.CharField(_("类型"), max_length=16, choices=InstructionKind.choices)
    reference = models.CharField(_("指令号"), max_length=64, unique=True)
    institution = models.ForeignKey(Institution, on_delete=models.PROTECT, related_name="+")
    enrolment = models.ForeignKey(Enrolment, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    amount_fen = models.BigIntegerField(_("金额（分）"))
    payee_name = models.CharField(_("收款人"), max_length=128)
    payee_account = models.CharField(_("收款账号"), max_length=64, blank=True)
    payee_bank_name = models.CharField(_("收款行名称"), max_length=128, blank=True)
    # The custody account the money leaves (付款账号): the institution's, at this instruction's bank.
    payer_account = models.CharField(_("付款账号"), max_length=40, blank=True)
    status = models.CharField(
        _("状态"), max_length=10, choices=InstructionStatus.choices, default=InstructionStatus.DRAFT, db_index=True
    )
    bank_reference = models.CharField(_("银行流水号"), max_length=64, blank=True, db_index=True)
    executed_at = models.DateTimeField(null=True, blank=True)
    failure_reason = models.CharField(_("失败原因"), max_length=255, blank=True)
    settlement_entry = models.ForeignKey(
        JournalEntry, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    division_code = models.CharField(_("所属县区代码"), max_length=6, db_index=True)

    class Meta:
        verbose_name = _("银行指令")
        verbose_name_plural = _("银行指令")
        constraints = [models.CheckConstraint(condition=models.Q(amount_fen__gt=0), name="instruction_positive")]

    def __str__(self) -> str:
        return self.reference


# ---------------------------------------------------------------------------------------------------- release


class ConsumptionStatus(models.TextChoices):
    PENDING = "pending", _("待家长确认")
    CONFIRMED = "confirmed", _("家长已确认")
    AUTO_CONFIRMED = "auto_confirmed", _("逾期自动确认")
    DISPUTED = "disputed", _("家长有异议")
    UPHELD = "upheld", _("异议成立（不消课）")
    CANCELLED = "cancelled", _("已撤销")


CONFIRMED_CONSUMPTION = (ConsumptionStatus.CONFIRMED, ConsumptionStatus.AUTO_CONFIRMED)


class ConsumptionRequest(models.Model):
    """One lesson consumed by one student (一课一消). Confirmed requests release ``amount_fen`` to the institution.

    ``release_entry`` is set once by ``ledger.journal_post(kind=RELEASE, consumption=...)``; it can be set only when
    the request is confirmed, so money released never exceeds confirmed consumption.
    """

    enrolment = models.ForeignKey(
        Enrolment, on_delete=models.PROTECT, related_name="consumption_requests", verbose_name=_("报名")
    )
    institution = models.ForeignKey(Institution, on_delete=models.PROTECT, related_name="+")
    session = models.ForeignKey(Session, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    attendance = models.OneToOneField(
        Attendance, on_delete=models.PROTECT, null=True, blank=True, related_name="consumption_request"
    )
    amount_fen = models.BigIntegerField(_("课时费（分）"))
    status = models.CharField(
        _("状态"), max_length=16, choices=ConsumptionStatus.choices, default=ConsumptionStatus.PENDING, db_index=True
    )
    requested_at = models.DateTimeField(auto_now_add=True)
    due_date = models.DateField(_("确认截止日"), db_index=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    dispute_reason = models.TextField(_("异议理由"), blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(_("处理意见"), blank=True)
    release_entry = models.OneToOneField(
        JournalEntry, on_delete=models.PROTECT, null=True, blank=True, related_name="released_consumption"
    )
    instruction = models.ForeignKey(
        BankInstruction, on_delete=models.PROTECT, null=True, blank=True, related_name="consumptions"
    )
    division_code = models.CharField(_("所属县区代码"), max_length=6, db_index=True)

    class Meta:
        verbose_name = _("消课确认")
        verbose_name_plural = _("消课确认")
        ordering = ["-requested_at"]
        constraints = [models.CheckConstraint(condition=models.Q(amount_fen__gt=0), name="consumption_positive")]

    def __str__(self) -> str:
        return f"{self.enrolment_id} {self.amount_fen}"


# ---------------------------------------------------------------------------------------------------- refunds


class RefundStatus(models.TextChoices):
    APPLIED = "applied", _("已申请")
    AGREED = "agreed", _("机构同意")
    DEEMED_AGREED = "deemed_agreed", _("逾期视为同意")
    REFUSED = "refused", _("机构拒绝")
    ORDERED = "ordered", _("监管部门责令退费")
    INSTRUCTED = "instructed", _("已发银行退费指令")
    PAID = "paid", _("银行已退款")
    PAID_DIRECT = "paid_direct", _("机构已直接退款")
    CANCELLED = "cancelled", _("已撤回")


class RefundRoute(models.TextChoices):
    """How the money goes back: from custody by a bank instruction, or — for an institution never under bank
    custody (risk deposit), where the fees were paid to the institution itself — by the institution directly."""

    CUSTODY = "custody", _("托管银行原路退回")
    DIRECT = "direct", _("机构直接退还")


class RefundRequest(models.Model):
    """A parent's refund of the unconsumed balance. Custody route: approved → owed (refunds payable) until the bank
    confirms. Direct route: approved → owed by the institution until it records the payment (no ledger entry:
    the money was never in custody)."""

    enrolment = models.ForeignKey(
        Enrolment, on_delete=models.PROTECT, related_name="refund_requests", verbose_name=_("报名")
    )
    institution = models.ForeignKey(Institution, on_delete=models.PROTECT, related_name="+")
    amount_fen = models.BigIntegerField(_("退费金额（分）"))
    reason = models.TextField(_("申请理由"), blank=True)
    status = models.CharField(
        _("状态"), max_length=16, choices=RefundStatus.choices, default=RefundStatus.APPLIED, db_index=True
    )
    applied_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    applied_at = models.DateTimeField(auto_now_add=True)
    reply_due_date = models.DateField(_("机构答复截止日"), db_index=True)
    replied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    replied_at = models.DateTimeField(null=True, blank=True)
    refusal_reason = models.TextField(_("拒绝理由"), blank=True)
    ordered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    ordered_at = models.DateTimeField(null=True, blank=True)
    approve_entry = models.ForeignKey(JournalEntry, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    paid_entry = models.ForeignKey(JournalEntry, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    instruction = models.ForeignKey(
        BankInstruction, on_delete=models.PROTECT, null=True, blank=True, related_name="refunds"
    )
    route = models.CharField(_("退款方式"), max_length=8, choices=RefundRoute.choices, default=RefundRoute.CUSTODY)
    direct_reference = models.CharField(_("退款凭证号"), max_length=64, blank=True)
    direct_paid_on = models.DateField(_("机构退款日期"), null=True, blank=True)
    direct_recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # Direct route: the parent's word on the payment the institution recorded — received, or not received (with
    # what they say), which puts it before the regulator.
    direct_confirmed_at = models.DateTimeField(_("家长确认收到退款时间"), null=True, blank=True)
    direct_disputed_at = models.DateTimeField(_("家长反映未收到退款时间"), null=True, blank=True)
    direct_dispute_reason = models.TextField(_("未收到退款的说明"), blank=True)
    division_code = models.CharField(_("所属县区代码"), max_length=6, db_index=True)

    class Meta:
        verbose_name = _("退费申请")
        verbose_name_plural = _("退费申请")
        ordering = ["-applied_at"]
        constraints = [models.CheckConstraint(condition=models.Q(amount_fen__gt=0), name="refund_positive")]

    def __str__(self) -> str:
        return f"{self.enrolment_id} {self.amount_fen}"


# ---------------------------------------------------------------------------------------------------- reconciliation


class Statement(models.Model):
    """A bank's daily statement file. Unique per (bank, file hash): importing the same file twice changes nothing."""

    bank = models.ForeignKey(Bank, on_delete=models.PROTECT, related_name="statements")
    statement_date = models.DateField(_("对账日期"), db_index=True)
    file_sha256 = models.CharField(max_length=64)
    file_name = models.CharField(_("文件名"), max_length=255, blank=True)
    line_count = models.PositiveIntegerField(_("行数"), default=0)
    total_in_fen = models.BigIntegerField(_("收入合计（分）"), default=0)
    total_out_fen = models.BigIntegerField(_("支出合计（分）"), default=0)
    reconciled_at = models.DateTimeField(null=True, blank=True)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    imported_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("银行对账单")
        verbose_name_plural = _("银行对账单")
        ordering = ["-statement_date"]
        constraints = [models.UniqueConstraint(fields=["bank", "file_sha256"], name="statement_file_once")]

    def __str__(self) -> str:
        return f"{self.bank_id} {self.statement_date}"


class MatchStatus(models.TextChoices):
    UNMATCHED = "unmatched", _("未对账")
    MATCHED = "matched", _("已匹配")
    MISSING_IN_LEDGER = "missing_in_ledger", _("账簿无记录")
    AMOUNT_DIFFERS = "amount_differs", _("金额不符")


class StatementLine(models.Model):
    """One line of a statement. ``amount_fen`` > 0 is money into custody, < 0 money out."""

    statement = models.ForeignKey(Statement, on_delete=models.CASCADE, related_name="lines")
    line_no = models.PositiveIntegerField()
    bank_reference = models.CharField(_("银行流水号"), max_length=64, db_index=True)
    value_date = models.DateField(_("交易日期"))
    amount_fen = models.BigIntegerField(_("金额（分）"))
    account_no = models.CharField(_("托管账号"), max_length=40, blank=True)
    counterparty = models.CharField(_("对方户名"), max_length=128, blank=True)
    memo = models.CharField(_("摘要"), max_length=255, blank=True)
    match_status = models.CharField(
        _("对账结果"), max_length=20, choices=MatchStatus.choices, default=MatchStatus.UNMATCHED, db_index=True
    )
    # No per-row foreign key: the import sets it from a join with the entries, and entries are never deleted
    # (append-only trigger), so the check only cost a row lock per matched entry at COMMIT (3.5 s per 1M lines).
    matched_entry = models.ForeignKey(
        JournalEntry, on_delete=models.PROTECT, null=True, blank=True, related_name="+", db_constraint=False
    )

    class Meta:
        verbose_name = _("对账单明细")
        verbose_name_plural = _("对账单明细")
        constraints = [models.UniqueConstraint(fields=["statement", "line_no"], name="statement_line_once")]

    def __str__(self) -> str:
        return f"{self.bank_reference} {self.amount_fen}"


class DiscrepancyKind(models.TextChoices):
    MISSING_IN_LEDGER = "missing_in_ledger", _("银行有、账簿无")
    MISSING_AT_BANK = "missing_at_bank", _("账簿有、银行无")
    AMOUNT_DIFFERS = "amount_differs", _("金额不符")


class DiscrepancyStatus(models.TextChoices):
    OPEN = "open", _("待处理")
    ADJUSTING = "adjusting", _("调整待复核")
    RESOLVED = "resolved", _("已处理")


class Discrepancy(models.Model):
    """A reconciliation difference, one case each; unique per (bank, kind, bank_reference) so re-runs add nothing."""

    bank = models.ForeignKey(Bank, on_delete=models.PROTECT, related_name="discrepancies")
    kind = models.CharField(_("差异类型"), max_length=20, choices=DiscrepancyKind.choices)
    bank_reference = models.CharField(_("银行流水号"), max_length=64, db_index=True)
    business_date = models.DateField(_("对账日期"), db_index=True)
    statement = models.ForeignKey(Statement, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    statement_line = models.ForeignKey(
        StatementLine, on_delete=models.PROTECT, null=True, blank=True, related_name="discrepancies"
    )
    entry = models.ForeignKey(JournalEntry, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    bank_amount_fen = models.BigIntegerField(_("银行金额（分）"), null=True, blank=True)
    ledger_amount_fen = models.BigIntegerField(_("账簿金额（分）"), null=True, blank=True)
    institution = models.ForeignKey(Institution, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    status = models.CharField(
        _("状态"), max_length=10, choices=DiscrepancyStatus.choices, default=DiscrepancyStatus.OPEN, db_index=True
    )
    note = models.TextField(_("说明"), blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)
    division_code = models.CharField(_("所属县区代码"), max_length=6, blank=True, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("对账差异")
        verbose_name_plural = _("对账差异")
        ordering = ["-business_date", "id"]
        constraints = [
            models.UniqueConstraint(fields=["bank", "kind", "bank_reference"], name="discrepancy_once"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.bank_reference}"


class AdjustmentStatus(models.TextChoices):
    PROPOSED = "proposed", _("待复核")
    APPROVED = "approved", _("已复核入账")
    REJECTED = "rejected", _("复核驳回")


class ManualAdjustment(models.Model):
    """A manual ledger correction: proposed by a maker, booked only when a different checker approves.

    ``lines`` is ``[{"account_key": str, "amount_fen": int}, ...]`` summing to zero.
    """

    discrepancy = models.ForeignKey(
        Discrepancy, on_delete=models.PROTECT, null=True, blank=True, related_name="adjustments"
    )
    bank = models.ForeignKey(Bank, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    lines = models.JSONField(_("调整分录"), default=list)
    bank_reference = models.CharField(_("银行流水号"), max_length=64, blank=True)
    reason = models.TextField(_("调整理由"))
    status = models.CharField(
        _("状态"), max_length=10, choices=AdjustmentStatus.choices, default=AdjustmentStatus.PROPOSED, db_index=True
    )
    maker = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    made_at = models.DateTimeField(auto_now_add=True)
    checker = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    checked_at = models.DateTimeField(null=True, blank=True)
    check_note = models.TextField(_("复核意见"), blank=True)
    entry = models.ForeignKey(JournalEntry, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    division_code = models.CharField(_("所属县区代码"), max_length=6, blank=True, db_index=True)

    class Meta:
        verbose_name = _("人工调整")
        verbose_name_plural = _("人工调整")
        ordering = ["-made_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(checker__isnull=True) | ~models.Q(checker=models.F("maker")),
                name="adjustment_checker_not_maker",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.status}"


# ---------------------------------------------------------------------------------------------------- overview snapshot


class FundsSnapshot(models.Model):
    """The regulator view's figures for the whole province, computed at ``computed_at`` by
    ``overview.funds_overview_refresh`` (a periodic job and on demand), read by the page in the viewer's scope.

    The figures are the live ones (``selectors.funds_overview``) as of ``computed_at``: the page and its Excel export
    say so. Only ``complete`` snapshots are read; the newest two are kept (a page that picked the older one while
    the newer one landed still finds its rows).
    """

    computed_at = models.DateTimeField(_("计算时间"), db_index=True)
    as_of = models.DateField(_("统计日期"))
    complete = models.BooleanField(default=False)
    institutions = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("资金监管统计快照")
        verbose_name_plural = _("资金监管统计快照")

    def __str__(self) -> str:
        return f"{self.computed_at:%Y-%m-%d %H:%M}"


class FundsSnapshotRow(models.Model):
    """One institution's figures in a snapshot (``selectors.InstitutionFunds``), with its place in the page's order:
    flagged first (``flag_rank`` 0), then lowest coverage (``coverage_rank``; 999 when nothing is owed), then name."""

    snapshot = models.ForeignKey(FundsSnapshot, on_delete=models.CASCADE, related_name="rows")
    institution = models.ForeignKey(Institution, on_delete=models.CASCADE, related_name="+")
    division_code = models.CharField(max_length=6)
    name = models.CharField(max_length=128)
    custody_fen = models.BigIntegerField(default=0)
    prepaid_fen = models.BigIntegerField(default=0)
    expected_prepaid_fen = models.BigIntegerField(default=0)
    pending_confirmations = models.IntegerField(default=0)
    overdue_refunds = models.IntegerField(default=0)
    week_in_fen = models.BigIntegerField(default=0)
    trailing_avg_fen = models.BigIntegerField(default=0)
    deposit_fen = models.BigIntegerField(default=0)
    deposit_covered_fen = models.BigIntegerField(default=0)
    coverage_percent = models.IntegerField(null=True)
    outside_custody = models.BooleanField(default=False)
    spike = models.BooleanField(default=False)
    flag_rank = models.PositiveSmallIntegerField(default=1)
    coverage_rank = models.IntegerField(default=999)

    class Meta:
        indexes = [
            models.Index(fields=["snapshot", "flag_rank", "coverage_rank", "name", "id"], name="funds_snaprow_order"),
            # ``division_code LIKE '4102%'`` (the scope) reads an index only with the pattern operator class.
            models.Index(
                fields=["snapshot", "division_code"],
                name="funds_snaprow_division",
                opclasses=["int8_ops", "varchar_pattern_ops"],
            ),
        ]

    def __str__(self) -> str:
        return self.name


class FundsSnapshotCounty(models.Model):
    """One county's totals in a snapshot (``selectors.CountyFunds``): the sums of its institutions' rows."""

    snapshot = models.ForeignKey(FundsSnapshot, on_delete=models.CASCADE, related_name="counties")
    division_code = models.CharField(max_length=6)
    name = models.CharField(max_length=64, blank=True)
    custody_fen = models.BigIntegerField(default=0)
    prepaid_fen = models.BigIntegerField(default=0)
    expected_prepaid_fen = models.BigIntegerField(default=0)
    pending_confirmations = models.IntegerField(default=0)
    overdue_refunds = models.IntegerField(default=0)
    institutions = models.IntegerField(default=0)
    flagged = models.IntegerField(default=0)
    deposit_fen = models.BigIntegerField(default=0)
    deposit_covered_fen = models.BigIntegerField(default=0)

    class Meta:
        indexes = [models.Index(fields=["snapshot", "division_code"], name="funds_snapcounty_division")]

    def __str__(self) -> str:
        return self.name or self.division_code


class FundsSnapshotWeek(models.Model):
    """Money paid into custody in one week (0 = the oldest of the chart's weeks) for one county, in a snapshot."""

    snapshot = models.ForeignKey(FundsSnapshot, on_delete=models.CASCADE, related_name="weeks")
    division_code = models.CharField(max_length=6, blank=True)
    week = models.PositiveSmallIntegerField()
    total_fen = models.BigIntegerField(default=0)

    class Meta:
        indexes = [models.Index(fields=["snapshot", "division_code"], name="funds_snapweek_division")]

    def __str__(self) -> str:
        return f"{self.division_code} #{self.week}"
