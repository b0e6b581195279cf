"""Forms for supervision setup: banks, custody accounts, risk deposits."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from shuangjian.core.fields import UsccField, YuanField
from shuangjian.core.forms import DateInput
from shuangjian.core.models import Division, DivisionLevel

from .models import Bank, SignatureScheme, StatementFormat
from .rules import notification_window_text


class _Bootstrap(forms.Form):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
            field.widget.attrs.setdefault("class", css)


def _service_division(value: str) -> str:
    value = (value or "").strip()
    if (
        value
        and not Division.objects.filter(
            code=value, level__in=[DivisionLevel.PROVINCE, DivisionLevel.CITY, DivisionLevel.COUNTY]
        ).exists()
    ):
        raise forms.ValidationError(_("请填写已有的省、市或县区代码，如 4102 或 410202。"))
    return value


class BankForm(_Bootstrap):
    code = forms.SlugField(label=_("银行代码"), max_length=32, help_text=_("字母、数字、连字符，用于通知地址"))
    name = forms.CharField(label=_("银行名称"), max_length=128)
    statement_format = forms.ChoiceField(label=_("对账单格式"), choices=StatementFormat.choices)
    signature_scheme = forms.ChoiceField(
        label=_("签名方式"),
        choices=SignatureScheme.choices,
        initial=SignatureScheme.TIMESTAMP_BODY,
        required=False,
    )

    division_code = forms.CharField(
        label=_("服务区划代码"),
        max_length=12,
        required=False,
        help_text=_("该行托管业务服务的市或县区代码（如 4102、410202）；无机构归属的对账差异由该区划监管人员处理。"),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The window in force, not a number fixed when this module was written.
        self.fields["signature_scheme"].help_text = _("HMAC-SHA256 所覆盖的内容；时间戳均须在 %(window)s内。") % {
            "window": notification_window_text()
        }

    def clean_signature_scheme(self) -> str:
        return self.cleaned_data.get("signature_scheme") or SignatureScheme.TIMESTAMP_BODY

    def clean_division_code(self) -> str:
        return _service_division(self.cleaned_data.get("division_code", ""))


class BankSettingsForm(_Bootstrap):
    """Settings of an existing bank that a platform administrator may change (not its code or secret)."""

    bank = forms.ModelChoiceField(queryset=Bank.objects.all(), widget=forms.HiddenInput)
    statement_format = forms.ChoiceField(label=_("对账单格式"), choices=StatementFormat.choices)
    signature_scheme = forms.ChoiceField(label=_("签名方式"), choices=SignatureScheme.choices)
    division_code = forms.CharField(label=_("服务区划代码"), max_length=12, required=False)

    def clean_division_code(self) -> str:
        return _service_division(self.cleaned_data.get("division_code", ""))


class CustodyForm(_Bootstrap):
    uscc = UsccField(label=_("机构统一社会信用代码"))
    bank = forms.ModelChoiceField(label=_("托管银行"), queryset=Bank.objects.filter(is_active=True))
    account_no = forms.RegexField(
        label=_("托管账号"),
        regex=r"^[0-9A-Za-z-]{4,40}$",
        error_messages={"invalid": _("账号只能包含数字、字母和连字符")},
    )
    opened_on = forms.DateField(label=_("开户日期"), widget=DateInput())
    settlement_account_no = forms.RegexField(
        label=_("机构结算账号"),
        regex=r"^[0-9A-Za-z-]{4,40}$",
        error_messages={"invalid": _("账号只能包含数字、字母和连字符")},
        help_text=_("监管协议约定的机构一般结算账户，释放资金划付至此"),
    )
    settlement_account_name = forms.CharField(
        label=_("结算账户户名"), max_length=128, required=False, help_text=_("留空则为机构名称")
    )
    settlement_bank_name = forms.CharField(label=_("结算账户开户行"), max_length=128)


class RiskDepositForm(_Bootstrap):
    uscc = UsccField(label=_("机构统一社会信用代码"))
    amount_fen = YuanField(label=_("保证金金额（元）"), min_fen=1, max_fen=10**12)
    share_percent = forms.DecimalField(
        label=_("应缴比例（%）"), min_value=0, max_value=100, decimal_places=2, max_digits=5
    )
    deposited_on = forms.DateField(label=_("缴存日期"), widget=DateInput())
