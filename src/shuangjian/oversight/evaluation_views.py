"""Pages of the county evaluation and the dashboard."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from shuangjian.core.access import request_user
from shuangjian.core.export_views import start_and_redirect
from shuangjian.core.permissions import can, permission_required

from . import evaluation
from . import indicators as ind
from .dashboard import dashboard_for_user
from .exports import EVALUATION as EVALUATION_EXPORT
from .order_forms import PeriodForm
from .orders import counties_in_reach


@login_required
@require_GET
@permission_required("oversight.view_dashboard")
def dashboard(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    county = request.GET.get("county", "").strip()[:6]
    board = dashboard_for_user(user, county=county)
    names = dict(board.counties)
    return render(
        request,
        "oversight/dashboard.html",
        {"board": board, "county_name": names.get(county, ""), "trend": board.trend},
    )


@login_required
@require_GET
@permission_required("oversight.view_evaluation")
def evaluation_table(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    periods = list(evaluation.periods_for_user(user))
    chosen = request.GET.get("period", "")
    period = None
    if chosen.isdigit():
        period = evaluation.period_for_user(user, int(chosen))
    elif periods:
        period = periods[0]
    return render(
        request,
        "oversight/evaluation.html",
        {
            "periods": periods,
            "period": period,
            "rows": evaluation.ranked_table(user, period) if period else [],
            "items": ind.indicators(),
            "can_compute": can(user, "oversight.compute_evaluation"),
            "form": PeriodForm(),
            "drill_prefix": _drill_prefix(period.pk) if period else "",
        },
    )


def _drill_prefix(period_pk: int) -> str:
    """``oversight:evaluation_drill`` up to the county: the table links ~1 500 cells (a province's counties × the
    indicators), and one ``{% url %}`` each cost a quarter of the page; county codes and indicator keys are digits and
    identifiers, which ``reverse`` leaves as they are."""
    return reverse("oversight:evaluation_drill", args=[period_pk, "0", "k"])[: -len("0/k/")]


@login_required
@require_POST
@permission_required("oversight.compute_evaluation")
def evaluation_compute(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    form = PeriodForm(request.POST)
    if form.is_valid():
        try:
            period = evaluation.period_compute(actor=user, **form.cleaned_data)
        except ValidationError as exc:
            for m in exc.messages:
                messages.error(request, m)
        else:
            messages.success(request, _("评价期已计算"))
            return redirect(f"{reverse('oversight:evaluation')}?period={period.pk}")
    else:
        messages.error(request, _("请填写评价期名称和起止日期"))
    return redirect("oversight:evaluation")


@login_required
@require_GET
@permission_required("oversight.view_evaluation")
def evaluation_export(request: HttpRequest, pk: int) -> HttpResponse:
    period = evaluation.period_for_user(request_user(request), pk)  # out of reach: 404 before any job
    return start_and_redirect(request, kind=EVALUATION_EXPORT, params={"period": period.pk})


@login_required
@require_GET
@permission_required("oversight.view_evaluation")
def evaluation_drill(request: HttpRequest, pk: int, county: str, key: str) -> HttpResponse:
    user = request_user(request)
    period = evaluation.period_for_user(user, pk)
    item, figure = evaluation.drill_down(user, period, county, key)
    stored = period.scores.filter(division_code=county, indicator=key).first()
    return render(
        request,
        "oversight/drill.html",
        {
            "period": period,
            "item": item,
            "figure": figure,
            "stored": stored,
            "moved": stored is not None
            and (stored.numerator, stored.denominator) != (figure.numerator, figure.denominator),
            "county_name": dict(counties_in_reach(user)).get(county, county),
        },
    )


@login_required
@require_GET
@permission_required("oversight.view_evaluation")
def evaluation_method(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "oversight/method.html",
        {
            "items": ind.indicators(),
            "weights": ind.weights(),
            "thresholds": {i.key: ind.threshold(i.key) for i in ind.indicators()},
        },
    )
