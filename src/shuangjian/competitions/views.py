"""Pages of the competitions app: the regulator's list, review page and export; the applicant's form and
filings; the unfiled-competition findings. Every read goes through a selector, every write through a service."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from shuangjian.core.access import operator_institution, request_user
from shuangjian.core.export_views import start_and_redirect
from shuangjian.core.exports import params_from_query
from shuangjian.core.permissions import can, permission_required
from shuangjian.core.rules import RuleViolationError, Violation
from shuangjian.core.scope import user_reach

from . import exports, selectors, services, workflow
from .forms import ActionForm, CompetitionForm, FindingForm
from .models import Competition, CompetitionStatus, FindingSource

# A rule's field → the form field that shows it.
FORM_FIELD = {"fee_fen": "fee"}


def _filters(request: HttpRequest) -> selectors.CompetitionFilters:
    return exports.filters_from(request.GET)


@login_required
@require_GET
@permission_required("competitions.view_competitions")
def competition_list(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    filters = _filters(request)
    page = Paginator(selectors.competitions_for_user(user, filters), 30).get_page(request.GET.get("page"))
    return render(
        request,
        "competitions/list.html",
        {
            "page": page,
            "filters": filters,
            "statuses": CompetitionStatus.choices,
            "cycles": selectors.cycles_for_user(user),
            "counties": selectors.counties_for_user(user),
            "is_operator": operator_institution(user) is not None,
            "can_apply": can(user, "competitions.apply"),
            "can_export": can(user, "competitions.export_competitions"),
        },
    )


@login_required
@require_GET
@permission_required("competitions.export_competitions")
def competition_export(request: HttpRequest) -> HttpResponse:
    """The filtered list as Excel, written by a background job; the person follows the job's page."""
    return start_and_redirect(request, kind=exports.EXPORT, params=params_from_query(request.GET))


def _show_refusal(form: CompetitionForm, exc: ValidationError) -> None:
    if isinstance(exc, RuleViolationError):
        for v in exc.violations:
            name = FORM_FIELD.get(v.field, v.field)
            message = (
                _("%(message)s（依据：%(basis)s）") % {"message": v.message, "basis": v.basis} if v.basis else v.message
            )
            form.add_error(name if name in form.fields else None, message)
        return
    if hasattr(exc, "error_dict"):
        for name, errors in exc.error_dict.items():
            for e in errors:
                form.add_error(name if name in form.fields else None, e.messages[0] if e.messages else str(e))
        return
    form.add_error(None, exc)


@login_required
@permission_required("competitions.apply")
def competition_new(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    for_operator = operator_institution(user) is not None
    form = CompetitionForm(request.POST or None, user=user, for_operator=for_operator)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                c = services.competition_create(actor=user, data=form.to_data(), submit="submit_now" in request.POST)
            except ValidationError as exc:
                _show_refusal(form, exc)
            else:
                if c.status == CompetitionStatus.SUBMITTED:
                    messages.success(request, _("备案申请已提交，等待教育行政部门审核。"))
                else:
                    messages.success(request, _("已保存草稿。"))
                return redirect("competitions:detail", pk=c.pk)
        status = 422
    return render(
        request,
        "competitions/form.html",
        {"form": form, "for_operator": for_operator, "institution": operator_institution(user), "competition": None},
        status=status,
    )


@login_required
@permission_required("competitions.apply")
def competition_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    c = selectors.competition_for_user(user, pk)
    if c.status != CompetitionStatus.DRAFT or not workflow.ACTORS[workflow.APPLICANT](user, c):
        raise Http404
    for_operator = operator_institution(user) is not None
    form = CompetitionForm(
        request.POST or None, user=user, for_operator=for_operator, initial=CompetitionForm.initial_for(c)
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.competition_update(actor=user, competition=c, data=form.to_data())
                if "submit_now" in request.POST:
                    services.competition_submit(actor=user, competition=c)
            except ValidationError as exc:
                _show_refusal(form, exc)
            else:
                messages.success(request, _("已保存。"))
                return redirect("competitions:detail", pk=c.pk)
        status = 422
    return render(
        request,
        "competitions/form.html",
        {"form": form, "for_operator": for_operator, "institution": operator_institution(user), "competition": c},
        status=status,
    )


def _detail(
    request: HttpRequest, c: Competition, violations: list[Violation], status: int = 200, checked: bool = False
) -> HttpResponse:
    user = request_user(request)
    steps = selectors.competition_steps(c)
    return render(
        request,
        "competitions/detail.html",
        {
            "c": c,
            "steps": [(s, workflow.step_label(s.from_status, s.to_status)) for s in steps],
            "actions": workflow.actions_for(user, c),
            "can_edit": c.status == CompetitionStatus.DRAFT and workflow.ACTORS[workflow.APPLICANT](user, c),
            "violations": violations,
            "checked": checked and not violations,
        },
        status=status,
    )


@login_required
@require_GET
@permission_required("competitions.view_competitions")
def competition_detail(request: HttpRequest, pk: int) -> HttpResponse:
    c = selectors.competition_for_user(request_user(request), pk)
    # The reviewer sees the rules' verdict before deciding; the same check runs again in the service.
    violations = (
        services.rules.check_competition(services.facts_of(c)) if c.status == CompetitionStatus.SUBMITTED else []
    )
    return _detail(request, c, violations, checked=c.status == CompetitionStatus.SUBMITTED)


@login_required
@require_POST
@permission_required("competitions.view_competitions")
def competition_act(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    c = selectors.competition_for_user(user, pk)
    form = ActionForm(request.POST)
    if not form.is_valid():
        return _detail(request, c, [Violation("invalid_action", _("请选择要办理的操作。"), "")], status=400)
    try:
        c = services.competition_act(
            actor=user, competition=c, action=form.cleaned_data["action"], comment=form.cleaned_data["comment"]
        )
    except RuleViolationError as exc:
        return _detail(request, c, exc.violations, status=422)
    except ValidationError as exc:
        return _detail(request, c, [Violation(exc.code or "refused", m, "") for m in exc.messages], status=422)
    messages.success(request, _("已办理：%(status)s。") % {"status": c.get_status_display()})
    return redirect("competitions:detail", pk=c.pk)


@login_required
@require_GET
@permission_required("competitions.view_findings")
def finding_list(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    q = " ".join(request.GET.get("q", "").split())[:64]
    page = Paginator(selectors.findings_for_user(user, q), 30).get_page(request.GET.get("page"))
    return render(
        request,
        "competitions/findings.html",
        {"page": page, "q": q, "can_record": user_reach(user) is not None and can(user, "competitions.view_findings")},
    )


@login_required
@permission_required("competitions.view_findings")
def finding_new(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    form = FindingForm(request.POST or None, user=user)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            d = form.cleaned_data
            try:
                services.competition_finding_record(
                    actor=user,
                    organiser_institution=d.get("organiser_institution"),
                    organiser_name=d.get("organiser_name") or "",
                    competition_name=d["competition_name"],
                    facts=d["facts"],
                    source_kind=d["source_kind"],
                    source_ref=d.get("source_ref") or "",
                )
            except ValidationError as exc:
                if hasattr(exc, "error_dict"):
                    for name, errors in exc.error_dict.items():
                        for e in errors:
                            form.add_error(name if name in form.fields else None, e.messages[0])
                else:
                    form.add_error(None, exc)
            else:
                messages.success(request, _("已记录。"))
                return redirect("competitions:finding_list")
        status = 422
    return render(
        request, "competitions/finding_form.html", {"form": form, "sources": FindingSource.choices}, status=status
    )
