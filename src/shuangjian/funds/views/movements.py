"""Pages for release, refunds, bank batches, reconciliation and the regulator view. Views parse, call a service or
selector, render; every refusal is shown in Chinese and nothing is half-written."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from shuangjian.core.access import request_user
from shuangjian.core.export_views import start_and_redirect
from shuangjian.core.exports import params_from_query
from shuangjian.core.money import format_fen, parse_yuan
from shuangjian.core.permissions import can, permission_required

from .. import overview as funds_overview
from .. import reconcile, refunds, release, rules, selectors, services
from ..banks import is_simulated
from ..exports import OVERVIEW as OVERVIEW_EXPORT
from ..models import (
    AdjustmentStatus,
    ConsumptionStatus,
    DiscrepancyStatus,
    InstructionStatus,
    PaymentOrderStatus,
    RefundRoute,
    RefundStatus,
)


def _attempt(request: HttpRequest, action: Callable[[], Any], success: str) -> bool:
    """Run a service; its refusals become error messages (services write nothing when they refuse)."""
    try:
        action()
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return False
    messages.success(request, success)
    return True


def _int(value: str | None) -> int:
    try:
        return int(value or 0)
    except ValueError:
        return 0


def _page(request: HttpRequest, qs: Any, per_page: int = 20, name: str = "page") -> Any:
    return Paginator(qs, per_page).get_page(request.GET.get(name))


# ---------------------------------------------------------------------------------------------------- parent


@login_required
@permission_required("funds.view_own_payments")
def parent(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    balances = selectors.parent_balances(user)
    pending = selectors.consumptions_for_parent(user).filter(status=ConsumptionStatus.PENDING)
    history = selectors.consumptions_for_parent(user).exclude(status=ConsumptionStatus.PENDING)
    payments = selectors.payments_for_parent(user)
    return render(
        request,
        "funds/parent.html",
        {
            "balances": balances,
            "pending": pending[:100],
            "page": _page(request, history),
            "payments": payments,
            "to_pay": [p for p in payments if p.order.status == PaymentOrderStatus.PENDING],
        },
    )


@login_required
@require_POST
@permission_required("funds.view_own_payments")
def consumption_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    item = selectors.consumption_for_parent(user, pk)
    _attempt(request, lambda: release.consumption_confirm(actor=user, request=item), _("已确认消课。"))
    return redirect("funds:parent")


@login_required
@require_POST
@permission_required("funds.view_own_payments")
def consumption_dispute(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    item = selectors.consumption_for_parent(user, pk)
    _attempt(
        request,
        lambda: release.consumption_dispute(actor=user, request=item, reason=request.POST.get("reason", "")),
        _("已提交异议，将由属地教育部门处理。"),
    )
    return redirect("funds:parent")


@login_required
@require_POST
@permission_required("funds.view_own_payments")
def refund_apply(request: HttpRequest, enrolment_id: int) -> HttpResponse:
    """The parent's application: a reason, and a tick confirming the amount shown (the service refuses if the
    refundable amount changed since the page showed it)."""
    user = request_user(request)
    enrolment = selectors.parent_enrolment(user, enrolment_id)
    if request.POST.get("confirm") != "on":
        messages.error(request, _("请勾选确认退费金额后再提交。"))
        return redirect("funds:parent")
    shown = _int(request.POST.get("amount_fen"))
    _attempt(
        request,
        lambda: refunds.refund_apply(
            actor=user,
            enrolment=enrolment,
            reason=request.POST.get("reason", ""),
            confirmed_amount_fen=shown if shown > 0 else None,
        ),
        _("退费申请已提交，机构须在 %(days)s 个工作日内答复，逾期视为同意；答复前可以撤回。")
        % {"days": rules.refund_silence_working_days()},
    )
    return redirect("funds:parent")


@login_required
@require_POST
@permission_required("funds.view_own_payments")
def refund_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    """The parent withdraws an application before the institution answers."""
    user = request_user(request)
    refund = selectors.refund_for_parent(user, pk)
    _attempt(request, lambda: refunds.refund_withdraw(actor=user, refund=refund), _("退费申请已撤回。"))
    return redirect("funds:parent")


@login_required
@require_POST
@permission_required("funds.view_own_payments")
def refund_receipt(request: HttpRequest, pk: int) -> HttpResponse:
    """The parent's word on a refund the institution says it paid directly: received, or not received."""
    user = request_user(request)
    refund = selectors.refund_for_parent(user, pk)
    if request.POST.get("action") == "confirm":
        _attempt(request, lambda: refunds.refund_confirm_receipt(actor=user, refund=refund), _("已确认收到退款。"))
    else:
        _attempt(
            request,
            lambda: refunds.refund_dispute_receipt(actor=user, refund=refund, reason=request.POST.get("reason", "")),
            _("已反映未收到退款，将由属地教育部门处理。"),
        )
    return redirect("funds:parent")


# ---------------------------------------------------------------------------------------------------- institution


@login_required
@permission_required("funds.manage_institution_funds")
def institution(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    refund_qs = selectors.refunds_for_institution(user)
    settled, instructions = selectors.released_for_institution(user)
    return render(
        request,
        "funds/institution.html",
        {
            "page": _page(request, refund_qs),
            "settled_fen": settled,
            "instructions": instructions[:50],
            "applied": RefundStatus.APPLIED,
            "direct_owed": (RefundStatus.AGREED, RefundStatus.DEEMED_AGREED, RefundStatus.ORDERED),
            "direct_orders": selectors.direct_orders_for_institution(user)[:50],
            "today": timezone.localdate(),
            "silence_days": rules.refund_silence_working_days(),
        },
    )


@login_required
@require_POST
@permission_required("funds.manage_institution_funds")
def refund_answer(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    refund = selectors.refund_for_institution(user, pk)
    if request.POST.get("action") == "agree":
        _attempt(request, lambda: refunds.refund_agree(actor=user, refund=refund), _("已同意退费，款项将原路退回。"))
    else:
        _attempt(
            request,
            lambda: refunds.refund_refuse(actor=user, refund=refund, reason=request.POST.get("reason", "")),
            _("已拒绝退费。"),
        )
    return redirect("funds:institution")


@login_required
@require_POST
@permission_required("funds.manage_institution_funds")
def refund_paid_direct(request: HttpRequest, pk: int) -> HttpResponse:
    """The institution records a refund it paid the parent itself (no custody account: no bank instruction)."""
    user = request_user(request)
    refund = selectors.refund_for_institution(user, pk)
    paid_on = None
    raw = request.POST.get("paid_on", "").strip()
    if raw:
        try:
            paid_on = datetime.date.fromisoformat(raw)
        except ValueError:
            messages.error(request, _("退款日期格式应为 年-月-日。"))
            return redirect("funds:institution")
    _attempt(
        request,
        lambda: refunds.refund_record_direct_payment(
            actor=user, refund=refund, reference=request.POST.get("reference", ""), paid_on=paid_on
        ),
        _("已登记退款，家长和监管部门可以看到。"),
    )
    return redirect("funds:institution")


# ---------------------------------------------------------------------------------------------------- bank


@login_required
@permission_required("funds.operate_bank")
def bank(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    batches = selectors.batches_for_bank(user)
    if request.method == "POST":
        made = 0
        for b in selectors.banks_for_user(user).filter(is_active=True):
            made += bool(release.release_batch_create(actor=user, bank=b))
            made += bool(refunds.refund_batch_create(actor=user, bank=b))
        messages.success(
            request, ngettext("已生成 %(n)s 个指令批次。", "已生成 %(n)s 个指令批次。", made) % {"n": made}
        )
        return redirect("funds:bank")
    page = _page(request, batches)
    return render(
        request,
        "funds/bank.html",
        {
            "page": page,
            # The "模拟银行执行" button shows only for banks whose adapter is the simulated one.
            "simulated_bank_ids": {b.bank_id for b in page if is_simulated(b.bank)},
            "statements": selectors.statements_for_user(user)[:20],
            "banks": selectors.banks_for_user(user).filter(is_active=True),
            "draft": InstructionStatus.DRAFT,
            "sent": InstructionStatus.SENT,
        },
    )


@login_required
@permission_required("funds.operate_bank")
def batch_download(request: HttpRequest, pk: int) -> HttpResponseBase:
    user = request_user(request)
    batch = selectors.batch_for_bank(user, pk)
    if not batch.file:
        raise Http404
    release.instruction_batch_mark_sent(actor=user, batch=batch)
    return FileResponse(batch.file.open("rb"), as_attachment=True, filename=f"{batch.reference}.csv")


@login_required
@require_POST
@permission_required("funds.operate_bank")
def batch_execute(request: HttpRequest, pk: int) -> HttpResponse:
    """The simulated bank executes the batch through its API (demo and tests; a real bank answers by itself)."""
    user = request_user(request)
    batch = selectors.batch_for_bank(user, pk)
    if not is_simulated(batch.bank):
        raise Http404
    done = release.instruction_batch_execute_simulated(actor=user, batch=batch)
    messages.success(request, ngettext("银行已处理 %(n)s 条指令。", "银行已处理 %(n)s 条指令。", done) % {"n": done})
    return redirect("funds:bank")


# ---------------------------------------------------------------------------------------------------- reconciliation


@login_required
@permission_required("funds.reconcile")
def reconcile_list(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    cases = selectors.discrepancies_for_user(user)
    if request.method == "POST":
        upload = request.FILES.get("file")
        bank_obj = selectors.banks_for_user(user).filter(pk=_int(request.POST.get("bank"))).first()
        if upload is None or bank_obj is None:
            messages.error(request, _("请选择银行并上传对账单文件（CSV 或 Excel）。"))
        elif upload.size is not None and upload.size > settings.FUNDS_STATEMENT_MAX_BYTES:
            messages.error(
                request,
                _("对账单文件过大：上限 %(mb)s MB。") % {"mb": f"{settings.FUNDS_STATEMENT_MAX_BYTES / 1024 / 1024:g}"},
            )
        else:
            try:
                # The upload is streamed (spooled to disk past FILE_UPLOAD_MAX_MEMORY_SIZE), never read whole.
                result = reconcile.statement_import(
                    actor=user, bank=bank_obj, content=upload, file_name=upload.name or ""
                )
            except ValidationError as exc:
                for m in exc.messages:
                    messages.error(request, m)
            else:
                if result.created:
                    messages.success(
                        request,
                        _("已导入 %(n)s 行，匹配 %(m)s 行，差异 %(d)s 项，跳过重复 %(s)s 行。")
                        % {
                            "n": result.lines,
                            "m": result.matched,
                            "d": result.discrepancies,
                            "s": result.skipped_duplicates,
                        },
                    )
                else:
                    messages.info(request, _("该对账单已导入过，未做任何更改。"))
        return redirect("funds:reconcile")
    status = request.GET.get("status", DiscrepancyStatus.OPEN)
    if status in DiscrepancyStatus.values:
        cases = cases.filter(status=status)
    return render(
        request,
        "funds/reconcile.html",
        {
            "page": _page(request, cases),
            "statements": selectors.statements_for_user(user)[:10],
            "banks": selectors.banks_for_user(user).filter(is_active=True),
            "status": status,
            "statuses": DiscrepancyStatus.choices,
        },
    )


def _parse_lines(text: str) -> list[tuple[str, int]]:
    """``account_key amount`` per line (amount in yuan, signed: + debit, − credit)."""
    lines = []
    for raw in text.splitlines():
        if not raw.strip():
            continue
        parts = raw.split()
        if len(parts) != 2:
            raise ValidationError(_("每行填写“科目键 金额”，例如 cash:b:1 100.00。"), code="adjustment_lines")
        lines.append((parts[0], parse_yuan(parts[1], allow_negative=True)))
    return lines


@login_required
@permission_required("funds.reconcile")
def discrepancy_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    case = selectors.discrepancy_for_user(user, pk)
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "resolve":
            # The service decides who may choose which resolution (a bank operator only its bank's side).
            order = next(
                (o for o in reconcile.candidate_orders(case) if o.order_no == request.POST.get("order_no")), None
            )
            _attempt(
                request,
                lambda: reconcile.discrepancy_resolve(
                    actor=user,
                    discrepancy=case,
                    resolution=request.POST.get("resolution", ""),
                    note=request.POST.get("note", ""),
                    order=order,
                ),
                _("已按所选方式处理；涉及记账的须由另一名监管人员复核后入账。"),
            )
            return redirect("funds:discrepancy", pk=case.pk)
        if not can(user, "funds.resolve_discrepancy"):
            raise Http404
        if action == "propose":
            _attempt(
                request,
                lambda: reconcile.adjustment_propose(
                    actor=user,
                    discrepancy=case,
                    lines=_parse_lines(request.POST.get("lines", "")),
                    reason=request.POST.get("reason", ""),
                ),
                _("调整已提交，须由另一人复核后入账。"),
            )
        elif action == "close":
            _attempt(
                request,
                lambda: reconcile.discrepancy_close(actor=user, discrepancy=case, note=request.POST.get("note", "")),
                _("差异已关闭。"),
            )
        elif action in ("approve", "reject"):
            adjustment = selectors.adjustment_for_user(user, int(request.POST.get("adjustment") or 0))
            if action == "approve":
                _attempt(
                    request,
                    lambda: reconcile.adjustment_approve(
                        actor=user, adjustment=adjustment, note=request.POST.get("note", "")
                    ),
                    _("调整已复核入账。"),
                )
            else:
                _attempt(
                    request,
                    lambda: reconcile.adjustment_reject(
                        actor=user, adjustment=adjustment, note=request.POST.get("note", "")
                    ),
                    _("调整已驳回。"),
                )
        return redirect("funds:discrepancy", pk=case.pk)
    suggestion = ""
    if case.status == DiscrepancyStatus.OPEN:
        suggestion = "\n".join(
            f"{key} {format_fen(fen).replace(',', '')}" for key, fen in reconcile.suggested_lines(case)
        )
    return render(
        request,
        "funds/discrepancy.html",
        {
            "case": case,
            "adjustments": case.adjustments.select_related("maker", "checker").order_by("-made_at"),
            "suggestion": suggestion,
            "proposed": AdjustmentStatus.PROPOSED,
            "open": DiscrepancyStatus.OPEN,
            "can_act": can(user, "funds.resolve_discrepancy"),
            "resolutions": reconcile.resolutions_for(case, user),
            "ledger_resolutions": reconcile.LEDGER_RESOLUTIONS,
            "orders": reconcile.candidate_orders(case) if case.status == DiscrepancyStatus.OPEN else [],
        },
    )


# ---------------------------------------------------------------------------------------------------- regulator


@login_required
@permission_required("funds.supervise")
def cases(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    disputes = selectors.disputes_for_regulator(user)
    refund_qs = selectors.refunds_for_regulator(user).filter(status__in=[RefundStatus.APPLIED, RefundStatus.REFUSED])
    direct_owed = selectors.refunds_for_regulator(user).filter(
        route=RefundRoute.DIRECT, status__in=selectors.DIRECT_APPROVED
    )
    not_received = selectors.refunds_for_regulator(user).filter(
        route=RefundRoute.DIRECT,
        status=RefundStatus.PAID_DIRECT,
        direct_disputed_at__isnull=False,
        direct_confirmed_at__isnull=True,
    )
    return render(
        request,
        "funds/cases.html",
        {
            "page": _page(request, disputes),
            "refunds": _page(request, refund_qs, name="rpage"),
            "direct_owed": _page(request, direct_owed, name="dpage"),
            "not_received": _page(request, not_received, name="npage"),
            "today": timezone.localdate(),
        },
    )


@login_required
@require_POST
@permission_required("funds.supervise")
def dispute_resolve(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    item = selectors.dispute_for_regulator(user, pk)
    upheld = request.POST.get("decision") == "uphold"
    _attempt(
        request,
        lambda: release.consumption_dispute_resolve(
            actor=user, request=item, upheld=upheld, note=request.POST.get("note", "")
        ),
        _("异议已处理。"),
    )
    return redirect("funds:cases")


@login_required
@require_POST
@permission_required("funds.supervise")
def refund_order(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    refund = selectors.refund_for_regulator(user, pk)
    _attempt(request, lambda: refunds.refund_order(actor=user, refund=refund), _("已责令退费。"))
    return redirect("funds:cases")


@login_required
@require_POST
@permission_required("funds.supervise")
def refund_pay_from_deposit(request: HttpRequest, pk: int) -> HttpResponse:
    """The regulator pays an overdue direct refund from the institution's risk deposit."""
    user = request_user(request)
    refund = selectors.refund_for_regulator(user, pk)
    _attempt(
        request,
        lambda: refunds.refund_pay_from_deposit(actor=user, refund=refund),
        _("已从风险保证金代付该笔退费。"),
    )
    return redirect("funds:cases")


@login_required
@require_POST
@permission_required("funds.manage_institution_funds")
def order_paid_direct(request: HttpRequest, order_no: str) -> HttpResponse:
    """A risk-deposit institution records a parent's payment it received itself."""
    user = request_user(request)
    order = selectors.direct_order_for_institution(user, order_no)
    _attempt(
        request,
        lambda: services.payment_order_record_direct(
            actor=user, order=order, reference=request.POST.get("reference", "")
        ),
        _("已登记收款。"),
    )
    return redirect("funds:institution")


@login_required
@require_POST
@permission_required("funds.supervise")
def refund_reorder(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    refund = selectors.refund_for_regulator(user, pk)
    _attempt(request, lambda: refunds.refund_reorder_direct(actor=user, refund=refund), _("已责令机构重新退款并登记。"))
    return redirect("funds:cases")


class _CountedPaginator(Paginator):
    """A paginator told its total (the snapshot's county rows sum their institutions), so it counts nothing."""

    def __init__(self, object_list: Any, per_page: int, *, count: int) -> None:
        super().__init__(object_list, per_page)
        self._known_count = count

    @cached_property
    def count(self) -> int:
        return self._known_count


@login_required
@permission_required("funds.supervise")
def overview(request: HttpRequest) -> HttpResponse:
    """The regulator view, from the latest snapshot of the figures (funds/overview.py) in the viewer's scope; a
    snapshot older than the refresh period is recomputed by a job (in the request only when Celery runs eagerly)."""
    user = request_user(request)
    division = request.GET.get("division", "")[:12]
    if request.GET.get("export") == "xlsx":
        return start_and_redirect(request, kind=OVERVIEW_EXPORT, params=params_from_query(request.GET))
    data = selectors.funds_overview_snapshot(user, division=division)
    if funds_overview.snapshot_is_stale(data.snapshot) and funds_overview.funds_overview_refresh_request(data.snapshot):
        data = selectors.funds_overview_snapshot(user, division=division)
    chart = {
        "counties": [c.name or c.division_code for c in data.counties],
        "custody": [c.custody_fen / 100 for c in data.counties],
        "expected": [c.expected_prepaid_fen / 100 for c in data.counties],
        "weeks": data.weeks,
        "weekly": [w / 100 for w in data.weekly_in_fen],
    }
    return render(
        request,
        "funds/overview.html",
        {
            "data": data,
            "page": _CountedPaginator(data.institutions, 50, count=data.institution_count).get_page(
                request.GET.get("page")
            ),
            "chart": chart,
            "division": division,
            "spike_multiple": selectors.SPIKE_MULTIPLE,
            "deposit_share": f"{rules.risk_deposit_share_bp() / 100:g}",
            "spike_weeks": selectors.SPIKE_TRAILING_WEEKS,
            "refresh_minutes": max(funds_overview.refresh_seconds() // 60, 1),
        },
    )
