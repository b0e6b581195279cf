"""The penalty-case list's filters, shared by the list page and its Excel export job (same form, same rows)."""

from __future__ import annotations

import datetime
from typing import Any

from django.db.models import QuerySet

from shuangjian.core.models import User
from shuangjian.core.scope import code_prefix_q

from . import selectors
from .case_forms import CaseFilterForm
from .models import PenaltyCase


def filtered_cases(user: User, params: Any, today: datetime.date) -> tuple[QuerySet[PenaltyCase], CaseFilterForm]:
    form = CaseFilterForm(params)
    qs = selectors.cases_for_user(user)
    if form.is_valid():
        f = form.cleaned_data
        if f["stage"]:
            qs = qs.filter(stage=f["stage"])
        if f["county"]:
            qs = qs.filter(code_prefix_q("division_code", f["county"]))
        if f["overdue"]:
            qs = qs.filter(selectors.cases_overdue_q(today))
        if f["q"]:
            qs = qs.filter(subject_name__contains=f["q"])
    return qs.order_by("-filed_on", "-pk"), form
