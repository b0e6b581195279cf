"""Pages of plans and the random draw (双随机一公开): the regulator's plans, draws and conflicts, and the public
draw pages anyone can open to check a draw (no sign-in)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from shuangjian.core.access import request_user
from shuangjian.core.models import Role, User
from shuangjian.core.names import division_name
from shuangjian.core.permissions import can, permission_required
from shuangjian.core.scope import get_in_scope_or_404, scope_queryset
from shuangjian.registry.models import Institution

from .. import draw as algo
from .. import plans, selectors
from ..forms_plans import ConflictForm, PlanForm, RedrawForm
from ..models import Draw, DrawStatus, InspectionPlan
from ..plan_workflow import DRAFT, actions_from


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


def _county_choices(user: User) -> list[tuple[str, str]]:
    return [(d.code, d.name) for d in selectors.counties_for_user(user)]


@login_required
@permission_required("enforcement.view_plans")
def plan_list(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    counties = _county_choices(user)
    form = PlanForm(request.POST or None, counties=counties, initial={"year": timezone.localdate().year})
    if request.method == "POST" and can(user, "enforcement.manage_plans") and form.is_valid():
        data = plans.PlanData(
            name=form.cleaned_data["name"],
            year=form.cleaned_data["year"],
            division_code=form.cleaned_data["division_code"],
            department=form.cleaned_data["department"],
            rounds=form.cleaned_data["rounds"],
            sample_size=form.cleaned_data["sample_size"],
            floor_bp=form.cleaned_data["floor_bp"],
            category_weights=form.category_weights(),
        )
        try:
            plan = plans.plan_create(actor=user, data=data)
        except ValidationError as exc:
            if hasattr(exc, "error_dict"):
                for field, errors in exc.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                form.add_error(None, exc.messages)
        else:
            messages.success(request, _("已制定抽查计划。"))
            return redirect("enforcement:plan_detail", pk=plan.pk)
    rows = selectors.plans_for_user(user)
    year = request.GET.get("year", "")
    if year.isdigit():
        rows = rows.filter(year=int(year))
    page = Paginator(rows, 30).get_page(request.GET.get("page"))
    return render(
        request,
        "enforcement/plans/plan_list.html",
        {"page": page, "form": form, "can_manage": can(user, "enforcement.manage_plans"), "year": year},
    )


@login_required
@permission_required("enforcement.view_plans")
def plan_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    plan = get_in_scope_or_404(InspectionPlan.objects.all(), user, pk=pk)
    draws = list(plan.draws.order_by("round_no", "pk"))
    rounds = []
    for n in range(1, plan.rounds + 1):
        mine = [d for d in draws if d.round_no == n]
        live = next((d for d in mine if d.status != DrawStatus.DISCARDED), None)
        start, end = plans.round_window(plan, n)
        rounds.append(
            {
                "no": n,
                "start": start,
                "end": end,
                "live": live,
                "discarded": [d for d in mine if d.status == DrawStatus.DISCARDED],
                "actions": [t.action for t in actions_from(live.status if live else DRAFT)],
            }
        )
    eligible = len(plans.eligible_institutions(plan))
    per_year = plan.rounds * min(plan.sample_size, eligible) / eligible if eligible else 0
    return render(
        request,
        "enforcement/plans/plan_detail.html",
        {
            "plan": plan,
            "rounds": rounds,
            "eligible": eligible,
            "per_year": round(per_year, 2),
            "can_manage": can(user, "enforcement.manage_plans", plan),
            "redraw_form": RedrawForm(),
        },
    )


@login_required
@permission_required("enforcement.manage_plans")
@require_POST
def plan_round_commit(request: HttpRequest, pk: int, round_no: int) -> HttpResponse:
    user = request_user(request)
    plan = get_in_scope_or_404(InspectionPlan.objects.all(), user, pk=pk)
    _attempt(
        request,
        lambda: plans.draw_commit(actor=user, plan=plan, round_no=round_no),
        _("已生成随机种子并公示其哈希值与名单。"),
    )
    return redirect("enforcement:plan_detail", pk=plan.pk)


def _draw_or_404(user: User, pk: int) -> Draw:
    return get_in_scope_or_404(selectors.draws_for_user(user), user, pk=pk)


@login_required
@permission_required("enforcement.view_plans")
def draw_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    d = _draw_or_404(user, pk)
    items = d.items.select_related("institution", "inspection").prefetch_related("inspection__inspectors")
    return render(
        request,
        "enforcement/plans/draw_detail.html",
        {"draw": d, "items": items, "doc": plans.public_document(d), "redraw_form": RedrawForm()},
    )


@login_required
@permission_required("enforcement.manage_plans")
@require_POST
def draw_perform(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    d = _draw_or_404(user, pk)
    _attempt(request, lambda: plans.draw_perform(actor=user, draw=d), _("已完成抽取，检查任务已派发。"))
    return redirect("enforcement:draw_detail", pk=d.pk)


@login_required
@permission_required("enforcement.manage_plans")
@require_POST
def draw_publish(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    d = _draw_or_404(user, pk)
    _attempt(request, lambda: plans.draw_publish(actor=user, draw=d), _("已公布抽取结果与随机种子。"))
    return redirect("enforcement:draw_detail", pk=d.pk)


@login_required
@permission_required("enforcement.manage_plans")
@require_POST
def draw_redraw(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    d = _draw_or_404(user, pk)
    reason = request.POST.get("reason", "")[:500]
    box: dict[str, Draw] = {}

    def act() -> None:
        box["new"] = plans.draw_redraw(actor=user, draw=d, reason=reason)

    if _attempt(request, act, _("原抽取结果已作废并保留，已重新生成随机种子。")):
        return redirect("enforcement:draw_detail", pk=box["new"].pk)
    return redirect("enforcement:draw_detail", pk=d.pk)


@login_required
@permission_required("enforcement.view_plans")
def conflict_list(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    inspectors = [
        (u.pk, u.display_name or u.username)
        for u in scope_queryset(User.objects.filter(role=Role.INSPECTOR), user, "scope_code").order_by("pk")
    ]
    form = ConflictForm(request.POST or None, inspectors=inspectors)
    if request.method == "POST" and form.is_valid():
        inspector = User.objects.filter(pk=form.cleaned_data["inspector"], role=Role.INSPECTOR).first()
        institution = (
            scope_queryset(Institution.objects.all(), user).filter(pk=form.cleaned_data["institution"]).first()
        )
        if inspector is None or institution is None:
            form.add_error("institution", _("找不到该机构。"))
        else:
            ok = _attempt(
                request,
                lambda: plans.conflict_declare(
                    actor=user, inspector=inspector, institution=institution, reason=form.cleaned_data["reason"]
                ),
                _("已登记回避关系。"),
            )
            if ok:
                return redirect("enforcement:conflict_list")
    page = Paginator(selectors.conflicts_for_user(user).order_by("-declared_at", "-pk"), 30).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "enforcement/plans/conflict_list.html",
        {"page": page, "form": form, "can_declare": can(user, "enforcement.declare_conflict")},
    )


# --- public pages (no sign-in): what 双随机一公开 publishes ----------------------------------------------------


def public_draw_list(request: HttpRequest) -> HttpResponse:
    page = Paginator(selectors.public_draws(), 30).get_page(request.GET.get("page"))
    return render(request, "enforcement/plans/public_draw_list.html", {"page": page})


def _public_draw(pk: int) -> Draw:
    return get_object_or_404(selectors.public_draws(), pk=pk)


def public_draw(request: HttpRequest, pk: int) -> HttpResponse:
    d = _public_draw(pk)
    doc = plans.public_document(d)
    check = algo.replay(doc) if d.seed_revealed else None
    names = {e["id"]: e for e in d.lists.get("institutions", [])}
    people = {e["id"]: e for e in d.lists.get("inspectors", [])}
    result = [
        {
            "institution": names.get(r["institution"], {"name": r["institution"]}),
            "inspectors": [people.get(p, {"name": p}) for p in r["inspectors"]],
        }
        for r in (doc.get("result") or [])
    ]
    return render(
        request,
        "enforcement/plans/public_draw.html",
        {
            "draw": d,
            "doc": doc,
            "check": check,
            "result": result,
            "county": division_name(d.division_code),
            "algorithm": algo.__doc__,
        },
    )


def public_draw_json(request: HttpRequest, pk: int) -> HttpResponse:
    d = _public_draw(pk)
    response = JsonResponse(plans.public_document(d), json_dumps_params={"ensure_ascii": False, "indent": 1})
    response["Content-Disposition"] = f'attachment; filename="draw-{d.pk}.json"'
    return response
