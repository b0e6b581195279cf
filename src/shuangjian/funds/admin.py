"""Django admin for platform administrators. Ledger rows are read-only: they change only through journal_post."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from shuangjian.core.admin import AccessLinkAdmin
from shuangjian.core.models import User
from shuangjian.core.permissions import is_bank_operator

from .models import (
    Bank,
    BankNotification,
    BankOperator,
    CustodyAccount,
    JournalEntry,
    LedgerAccount,
    Posting,
    RiskDeposit,
)


@admin.register(Bank)
class BankAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "division_code", "statement_format", "signature_scheme", "is_active")
    search_fields = ("code", "name")


class BankOperatorForm(forms.ModelForm):
    class Meta:
        model = BankOperator
        fields = ("user", "bank")

    def clean_user(self) -> User:
        user: User = self.cleaned_data["user"]
        if not is_bank_operator(user):
            # The same rule as services.bank_operator_link.
            raise forms.ValidationError(_("只有托管银行操作员账号可以关联银行。"))
        return user


@admin.register(BankOperator)
class BankOperatorAdmin(AccessLinkAdmin):
    """Where a platform administrator ties a custody-bank operator account to its bank (audited)."""

    form = BankOperatorForm

    list_display = ("user", "bank")
    list_filter = ("bank",)
    search_fields = ("user__username", "user__display_name")
    raw_id_fields = ("user",)
    list_select_related = ("user", "bank")


@admin.register(CustodyAccount)
class CustodyAccountAdmin(admin.ModelAdmin):
    list_display = ("institution", "bank", "account_no", "opened_on", "is_active", "division_code")
    list_filter = ("bank", "is_active")
    search_fields = ("institution__name", "account_no")
    raw_id_fields = ("institution",)
    list_select_related = ("institution", "bank")


@admin.register(RiskDeposit)
class RiskDepositAdmin(admin.ModelAdmin):
    list_display = ("institution", "amount_fen", "required_share_bp", "deposited_on", "division_code")
    raw_id_fields = ("institution",)
    list_select_related = ("institution",)


class _ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class PostingInline(admin.TabularInline):
    model = Posting
    extra = 0
    can_delete = False
    readonly_fields = ("account", "amount_fen")

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(JournalEntry)
class JournalEntryAdmin(_ReadOnly):
    list_display = ("id", "kind", "reference", "bank_reference", "business_date", "division_code")
    list_filter = ("kind",)
    search_fields = ("reference", "bank_reference")
    inlines = [PostingInline]


@admin.register(LedgerAccount)
class LedgerAccountAdmin(_ReadOnly):
    list_display = ("key", "kind", "balance_fen", "division_code")
    list_filter = ("kind",)
    search_fields = ("key",)


@admin.register(BankNotification)
class BankNotificationAdmin(_ReadOnly):
    list_display = ("bank", "notification_id", "outcome", "received_at")
    list_filter = ("outcome", "bank")
    search_fields = ("notification_id",)
