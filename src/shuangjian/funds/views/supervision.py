"""Supervision setup pages: banks (platform administrators), custody accounts and risk deposits (regulators)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import IntegrityError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shuangjian.core.access import request_user
from shuangjian.core.nav import NavItem, register
from shuangjian.core.permissions import permission_required
from shuangjian.core.scope import get_in_scope_or_404
from shuangjian.registry.models import Institution

from .. import rules, selectors, services
from ..forms import BankForm, BankSettingsForm, CustodyForm, RiskDepositForm
from ..models import Bank

register(NavItem(gettext_lazy("资金监管设置"), "funds:setup", order=400, permission="funds.supervise"))
register(NavItem(gettext_lazy("托管银行"), "funds:banks", order=401, permission="funds.manage_banks"))


@login_required
@permission_required("funds.supervise")
def setup(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    custody_form = CustodyForm(prefix="c")
    deposit_form = RiskDepositForm(prefix="d")
    if request.method == "POST":
        if "c-uscc" in request.POST:
            custody_form = CustodyForm(request.POST, prefix="c")
            if custody_form.is_valid():
                data = custody_form.cleaned_data
                institution = get_in_scope_or_404(Institution.objects.all(), user, uscc=data["uscc"])
                try:
                    services.custody_account_open(
                        actor=user,
                        institution=institution,
                        bank=data["bank"],
                        account_no=data["account_no"],
                        opened_on=data["opened_on"],
                        settlement_account_no=data["settlement_account_no"],
                        settlement_account_name=data["settlement_account_name"],
                        settlement_bank_name=data["settlement_bank_name"],
                    )
                except IntegrityError:
                    custody_form.add_error("account_no", _("该银行下已有此账号。"))
                else:
                    messages.success(request, _("已为 %(name)s 开设托管账户。") % {"name": institution.name})
                    return redirect("funds:setup")
        else:
            deposit_form = RiskDepositForm(request.POST, prefix="d")
            if deposit_form.is_valid():
                data = deposit_form.cleaned_data
                institution = get_in_scope_or_404(Institution.objects.all(), user, uscc=data["uscc"])
                services.risk_deposit_record(
                    actor=user,
                    institution=institution,
                    amount_fen=data["amount_fen"],
                    required_share_bp=int(data["share_percent"] * 100),
                    deposited_on=data["deposited_on"],
                )
                messages.success(request, _("已登记 %(name)s 的风险保证金。") % {"name": institution.name})
                return redirect("funds:setup")
    accounts = Paginator(selectors.custody_accounts_for_user(user), 50).get_page(request.GET.get("page"))
    deposits = selectors.risk_deposits_for_user(user)[:50]
    return render(
        request,
        "funds/setup/setup.html",
        {
            "page": accounts,
            "deposits": deposits,
            "custody_form": custody_form,
            "deposit_form": deposit_form,
        },
    )


@login_required
@permission_required("funds.manage_banks")
def banks(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    form = BankForm()
    if request.method == "POST" and "bank" in request.POST:
        settings_form = BankSettingsForm(request.POST)
        if settings_form.is_valid():
            data = dict(settings_form.cleaned_data)
            bank = data.pop("bank")
            services.bank_update(actor=user, bank=bank, **data)
            messages.success(request, _("已保存 %(name)s 的设置。") % {"name": bank.name})
        else:
            for errors in settings_form.errors.values():
                for error in errors:
                    messages.error(request, str(error))
        return redirect("funds:banks")
    if request.method == "POST":
        form = BankForm(request.POST)
        if form.is_valid():
            try:
                bank = services.bank_create(actor=user, **form.cleaned_data)
            except IntegrityError:
                form.add_error("code", _("银行代码已存在。"))
            else:
                messages.success(
                    request,
                    _("已添加 %(name)s。通知签名密钥（请安全转交银行，仅显示一次）：%(secret)s")
                    % {"name": bank.name, "secret": bank.notification_secret},
                )
                return redirect("funds:banks")
    bank_list = list(selectors.banks_for_user(user))
    return render(
        request,
        "funds/setup/banks.html",
        {
            "banks": [(b, BankSettingsForm(initial=_settings_of(b), auto_id=f"b{b.pk}_%s")) for b in bank_list],
            "form": form,
            "window": rules.notification_window_text(),
        },
    )


def _settings_of(bank: Bank) -> dict[str, object]:
    return {
        "bank": bank.pk,
        "statement_format": bank.statement_format,
        "signature_scheme": bank.signature_scheme,
        "division_code": bank.division_code,
    }
