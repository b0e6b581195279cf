"""Pages for release, refunds, bank batches, reconciliation and the regulator view. Views parse, call a service or
selector, render; every refusal is shown in Chinese and nothing is half-written."""

from __future__ import annotations

import datetime
import io
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from shuangjian.core.models import Role, User
from shuangjian.core.money import format_fen

from .. import reconcile, refunds, release, selectors
from ..models import (
    AdjustmentStatus,
    ConsumptionStatus,
    DiscrepancyStatus,
    InstructionStatus,
    RefundRoute,
    RefundStatus,
)


def _user(request: HttpRequest) -> User:
    if not request.user.is_authenticated:
        raise Http404
    assert isinstance(request.user, User)
    return request.user


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
def parent(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    balances = selectors.parent_balances(user)
    pending = selectors.consumptions_for_parent(user).filter(status=ConsumptionStatus.PENDING)
    history = selectors.consumptions_for_parent(user).exclude(status=ConsumptionStatus.PENDING)
    return render(
        request,
        "funds/parent.html",
        {"balances": balances, "pending": pending[:100], "page": _page(request, history)},
    )


@login_required
@require_POST
def consumption_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    item = selectors.consumption_for_parent(user, pk)
    _attempt(request, lambda: release.consumption_confirm(actor=user, request=item), _("已确认消课。"))
    return redirect("funds:parent")


@login_required
@require_POST
def consumption_dispute(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    item = selectors.consumption_for_parent(user, pk)
    _attempt(
        request,
        lambda: release.consumption_dispute(actor=user, request=item, reason=request.POST.get("reason", "")),
        _("已提交异议，将由属地教育部门处理。"),
    )
    return redirect("funds:parent")


@login_required
@require_POST
def refund_apply(request: HttpRequest, enrolment_id: int) -> HttpResponse:
    user = _user(request)
    enrolment = selectors.parent_enrolment(user, enrolment_id)
    _attempt(
        request,
        lambda: refunds.refund_apply(actor=user, enrolment=enrolment, reason=request.POST.get("reason", "")),
        _("退费申请已提交，机构须在 5 个工作日内答复，逾期视为同意。"),
    )
    return redirect("funds:parent")


@login_required
@require_POST
def refund_receipt(request: HttpRequest, pk: int) -> HttpResponse:
    """The parent's word on a refund the institution says it paid directly: received, or not received."""
    user = _user(request)
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
def institution(request: HttpRequest) -> HttpResponse:
    user = _user(request)
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
            "today": timezone.localdate(),
        },
    )


@login_required
@require_POST
def refund_answer(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
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
def refund_paid_direct(request: HttpRequest, pk: int) -> HttpResponse:
    """The institution records a refund it paid the parent itself (no custody account: no bank instruction)."""
    user = _user(request)
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
def bank(request: HttpRequest) -> HttpResponse:
    user = _user(request)
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
    return render(
        request,
        "funds/bank.html",
        {
            "page": _page(request, batches),
            "statements": selectors.statements_for_user(user)[:20],
            "banks": selectors.banks_for_user(user).filter(is_active=True),
            "draft": InstructionStatus.DRAFT,
            "sent": InstructionStatus.SENT,
        },
    )


@login_required
def batch_download(request: HttpRequest, pk: int) -> HttpResponseBase:
    user = _user(request)
    batch = selectors.batch_for_bank(user, pk)
    if not batch.file:
        raise Http404
    release.instruction_batch_mark_sent(actor=user, batch=batch)
    return FileResponse(batch.file.open("rb"), as_attachment=True, filename=f"{batch.reference}.csv")


@login_required
@require_POST
def batch_execute(request: HttpRequest, pk: int) -> HttpResponse:
    """The simulated bank executes the batch through its API (demo and tests; a real bank answers by itself)."""
    user = _user(request)
    batch = selectors.batch_for_bank(user, pk)
    done = release.instruction_batch_execute_simulated(actor=user, batch=batch)
    messages.success(request, ngettext("银行已处理 %(n)s 条指令。", "银行已处理 %(n)s 条指令。", done) % {"n": done})
    return redirect("funds:bank")


# ---------------------------------------------------------------------------------------------------- reconciliation


@login_required
def reconcile_list(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    cases = selectors.discrepancies_for_user(user)
    if request.method == "POST":
        upload = request.FILES.get("file")
        bank_obj = selectors.banks_for_user(user).filter(pk=_int(request.POST.get("bank"))).first()
        if upload is None or bank_obj is None:
            messages.error(request, _("请选择银行并上传对账单文件（CSV 或 Excel）。"))
        elif upload.size is not None and upload.size > 200 * 1024 * 1024:
            messages.error(request, _("文件过大。"))
        else:
            try:
                result = reconcile.statement_import(
                    actor=user, bank=bank_obj, content=upload.read(), file_name=upload.name or ""
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
    from shuangjian.core.money import parse_yuan

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
def discrepancy_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    case = selectors.discrepancy_for_user(user, pk)
    if request.method == "POST":
        if user.role != Role.REGULATOR and not user.is_platform_admin:
            raise Http404
        action = request.POST.get("action")
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
            "can_act": user.role == Role.REGULATOR or user.is_platform_admin,
        },
    )


# ---------------------------------------------------------------------------------------------------- regulator


@login_required
def cases(request: HttpRequest) -> HttpResponse:
    user = _user(request)
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
def dispute_resolve(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
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
def refund_order(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    refund = selectors.refund_for_regulator(user, pk)
    _attempt(request, lambda: refunds.refund_order(actor=user, refund=refund), _("已责令退费。"))
    return redirect("funds:cases")


@login_required
@require_POST
def refund_reorder(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    refund = selectors.refund_for_regulator(user, pk)
    _attempt(request, lambda: refunds.refund_reorder_direct(actor=user, refund=refund), _("已责令机构重新退款并登记。"))
    return redirect("funds:cases")


@login_required
def overview(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    division = request.GET.get("division", "")[:12]
    data = selectors.funds_overview(user, division=division)
    if request.GET.get("export") == "xlsx":
        return _overview_xlsx(data)
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
            "page": _page(request, data.institutions, 50),
            "chart": chart,
            "division": division,
            "spike_multiple": selectors.SPIKE_MULTIPLE,
            "spike_weeks": selectors.SPIKE_TRAILING_WEEKS,
        },
    )


def _overview_xlsx(data: selectors.FundsOverview) -> HttpResponse:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = _("机构")
    ws.append(
        [
            _("县区代码"),
            _("机构"),
            _("托管资金（元）"),
            _("家长预付余额（元）"),
            _("未消课学费（元）"),
            _("覆盖率（%）"),
            _("待确认课次"),
            _("逾期退费"),
            _("本周入账（元）"),
            _("前 8 周周均（元）"),
            _("提示"),
        ]
    )
    for r in data.institutions:
        flags = []
        if r.outside_custody:
            flags.append(_("疑似体外收费"))
        if r.spike:
            flags.append(_("疑似突击预收"))
        ws.append(
            [
                r.division_code,
                r.name,
                r.custody_fen / 100,
                r.prepaid_fen / 100,
                r.expected_prepaid_fen / 100,
                r.coverage_percent,
                r.pending_confirmations,
                r.overdue_refunds,
                r.week_in_fen / 100,
                r.trailing_avg_fen / 100,
                "、".join(flags),
            ]
        )
    counties = wb.create_sheet(_("县区"))
    counties.append(
        [_("县区代码"), _("县区"), _("机构数"), _("托管资金（元）"), _("未消课学费（元）"), _("提示机构数")]
    )
    for c in data.counties:
        counties.append(
            [c.division_code, c.name, c.institutions, c.custody_fen / 100, c.expected_prepaid_fen / 100, c.flagged]
        )
    buffer = io.BytesIO()
    wb.save(buffer)
    response = HttpResponse(
        buffer.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f'attachment; filename="funds-{timezone.localdate():%Y%m%d}.xlsx"'
    return response
