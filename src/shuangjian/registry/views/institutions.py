"""Registry pages: regulators' institution list and record, application queue and decisions, zombies;
operators' own institution, sites and licence application. Views parse, call a service or selector, render."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.forms import Form
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from shuangjian.core.access import request_user
from shuangjian.core.exact_counts import EXACT_PARAM, EXACT_VALUE, list_total
from shuangjian.core.export_views import exact_count_start_and_return
from shuangjian.core.models import Division, DivisionLevel, User
from shuangjian.core.pagination import CappedCountPaginator
from shuangjian.core.permissions import can, permission_required
from shuangjian.core.scope import get_in_scope_or_404, user_reach

from .. import documents, rules, selectors, services, workflow
from ..exports import INSTITUTION_COUNT, ZOMBIE_COUNT
from ..filters import InstitutionFilters
from ..forms import (
    AnnualInspectionForm,
    ApplicationForm,
    BlacklistAddForm,
    InstitutionEditForm,
    MaterialsForm,
    ReasonForm,
    SiteForm,
    StatusForm,
    TransitionForm,
)
from ..models import (
    ApplicationStatus,
    BlacklistEntry,
    Category,
    InstitutionStatus,
    NonSubjectField,
    SupervisionMode,
)

ACTION_LABELS = {t.action: t.label for t in workflow.TRANSITIONS}


def _error_text(exc: ValidationError) -> str:
    return "；".join(str(m) for m in exc.messages)


def _post_action(
    request: HttpRequest, form: Form, action: Callable[[dict[str, Any]], object], success: str, invalid: str
) -> None:
    """Run a regulator's one-form action: the service on valid input, and a message either way.

    A service refusal (ValidationError) becomes an error message; nothing is written in that case.
    """
    if not form.is_valid():
        messages.error(request, invalid)
        return
    try:
        action(form.cleaned_data)
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
    else:
        messages.success(request, success)


def _attach(form: object, exc: ValidationError) -> None:
    """Put a service's ValidationError on the form (field errors where the field exists)."""
    if hasattr(exc, "error_dict"):
        for name, errs in exc.error_dict.items():
            target = name if name in form.fields else None  # type: ignore[attr-defined]
            for e in errs:
                form.add_error(target, e)  # type: ignore[attr-defined]
    else:
        form.add_error(None, exc)  # type: ignore[attr-defined]


def _counties(user: User) -> list[tuple[str, str]]:
    reach = user_reach(user) or ""
    qs = Division.objects.filter(level=DivisionLevel.COUNTY)
    if reach:
        qs = qs.filter(code__startswith=reach[:6])
    return list(qs.order_by("code").values_list("code", "name")[:300])


# --- regulator: institutions ------------------------------------------------------------------------------------


@login_required
@require_GET
@permission_required("registry.view_institutions")
def institution_list(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    filters = InstitutionFilters.from_params(request.GET)
    params = filters.as_params()
    if request.GET.get(EXACT_PARAM) == EXACT_VALUE:  # the exact total reads every row in reach: a job's work
        return exact_count_start_and_return(request, kind=INSTITUTION_COUNT, params=params)
    page = selectors.institution_page_with_flags(
        selectors.institution_list_for_user(user=user, filters=filters), request.GET.get("page"), per_page=30
    )
    return render(
        request,
        "registry/institution_list.html",
        {
            "page": page,
            "f": filters,
            "counties": _counties(user),
            "categories": Category.choices,
            "fields": NonSubjectField.choices,
            "statuses": InstitutionStatus.choices,
            "modes": SupervisionMode.choices,
            "export_params": params,
            "list_total": list_total(user=user, kind=INSTITUTION_COUNT, params=params, paginator=page.paginator),
        },
    )


@login_required
@permission_required("registry.view_institution")
def institution_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    record = selectors.institution_record(user=user, pk=pk)
    # The same predicate the services check: another department's regulator reads the record, acts on nothing.
    is_regulator = can(user, "registry.change_institution_status", record.institution)
    return render(
        request,
        "registry/institution_detail.html",
        {
            "r": record,
            "inst": record.institution,
            "is_regulator": is_regulator,
            "inspection_form": AnnualInspectionForm(),
            "blacklist_form": BlacklistAddForm(),
            "reason_form": ReasonForm(),
            "status_form": StatusForm(choices=_status_choices(record.institution.status)),
        },
    )


def _status_choices(current: str) -> list[tuple[str, str]]:
    return [(s, str(InstitutionStatus(s).label)) for s in services.STATUS_MOVES.get(current, ())]


@login_required
@require_POST
@permission_required("registry.change_institution_status")
def institution_status(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    inst = selectors.institution_for_user(user=user, pk=pk)
    form = StatusForm(request.POST, choices=[(s, s) for s in InstitutionStatus.values])
    _post_action(
        request,
        form,
        lambda data: services.institution_change_status(actor=user, institution=inst, **data),
        _("机构状态已变更。"),
        _("请选择状态并填写理由。"),
    )
    return redirect("registry:institution_detail", pk=inst.pk)


@login_required
@require_POST
@permission_required("registry.record_annual_inspection")
def annual_inspection_add(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    inst = selectors.institution_for_user(user=user, pk=pk)
    form = AnnualInspectionForm(request.POST)
    _post_action(
        request,
        form,
        lambda data: services.annual_inspection_record(actor=user, institution=inst, **data),
        _("年检结果已保存。"),
        _("年检信息不完整：%(e)s") % {"e": form.errors.as_text()},
    )
    return redirect("registry:institution_detail", pk=inst.pk)


@login_required
@require_POST
@permission_required("registry.blacklist_institution")
def blacklist_add(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    inst = selectors.institution_for_user(user=user, pk=pk)
    form = BlacklistAddForm(request.POST)
    _post_action(
        request,
        form,
        lambda data: services.blacklist_add(actor=user, institution=inst, **data),
        _("已列入黑名单。"),
        _("请填写列入原因和依据。"),
    )
    return redirect("registry:institution_detail", pk=inst.pk)


@login_required
@require_POST
@permission_required("registry.lift_institution_blacklist")
def blacklist_lift(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    entry = get_in_scope_or_404(BlacklistEntry.objects.all(), user, pk=pk)
    form = ReasonForm(request.POST)
    _post_action(
        request,
        form,
        lambda data: services.blacklist_lift(actor=user, entry=entry, reason=data["reason"]),
        _("已移出黑名单。"),
        _("请填写理由。"),
    )
    return redirect("registry:institution_detail", pk=entry.institution_id)


@login_required
@require_POST
@permission_required("registry.deregister_institution")
def institution_deregister(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    inst = selectors.institution_for_user(user=user, pk=pk)
    form = ReasonForm(request.POST)
    _post_action(
        request,
        form,
        lambda data: services.institution_deregister(actor=user, institution=inst, reason=data["reason"]),
        _("“%(n)s”已注销。") % {"n": inst.name},
        _("请填写注销理由。"),
    )
    if request.POST.get("next") == "zombies":
        return redirect("registry:zombies")
    return redirect("registry:institution_detail", pk=inst.pk)


ZOMBIE_COUNT_CAP = 1000


@login_required
@require_GET
@permission_required("registry.view_zombies")
def zombie_list(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    if request.GET.get(EXACT_PARAM) == EXACT_VALUE:  # the exact total is a job's work (core.exact_counts)
        return exact_count_start_and_return(request, kind=ZOMBIE_COUNT, params={})
    qs = selectors.zombies_for_user(user=user)
    # Counted up to ZOMBIE_COUNT_CAP: an exact COUNT over a city's register grew with it (175 ms of a 260 ms page
    # at 200 000 institutions; counting to 10 000 zombies still took 100 ms). The exact total is a job's.
    page = CappedCountPaginator(qs, 30, cap=ZOMBIE_COUNT_CAP).get_page(request.GET.get("page"))
    last = selectors.last_passed_years(list(page.object_list))
    rows = [(inst, last.get(inst.pk)) for inst in page.object_list]
    return render(
        request,
        "registry/zombies.html",
        {
            "page": page,
            "rows": rows,
            "since": selectors.rules.zombie_since_year(timezone.localdate()),
            "list_total": list_total(user=user, kind=ZOMBIE_COUNT, params={}, paginator=page.paginator),
        },
    )


# --- regulator: applications --------------------------------------------------------------------------------------


@login_required
@require_GET
@permission_required("registry.review_applications")
def application_queue(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    status = request.GET.get("status", "open")
    overdue = request.GET.get("overdue") == "1"
    qs = selectors.application_queue_for_user(user=user, status=status, overdue_only=overdue)
    page = Paginator(qs, 30).get_page(request.GET.get("page"))
    today = timezone.localdate()
    rows = [(a, selectors.is_overdue(a, today)) for a in page.object_list]
    return render(
        request,
        "registry/application_queue.html",
        {"page": page, "rows": rows, "status": status, "overdue": overdue, "statuses": ApplicationStatus.choices},
    )


@login_required
@permission_required("registry.view_application")
def application_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    app = selectors.application_for_user(user=user, pk=pk)
    is_regulator = can(user, "registry.review_applications")
    verbs = [t.action for t in workflow.actions_from(app.status, workflow.DEPARTMENT_REGULATOR)] if is_regulator else []
    form = TransitionForm(actions=[(v, str(ACTION_LABELS[v])) for v in verbs])
    if request.method == "POST":
        if not is_regulator:
            raise Http404
        form = TransitionForm(request.POST, actions=[(v, str(ACTION_LABELS[v])) for v in verbs])
        if form.is_valid():
            verb = form.cleaned_data["action"]
            try:
                services.ACTION_SERVICES[verb](actor=user, application=app, comment=form.cleaned_data["comment"])
                messages.success(request, _("已办理：%(a)s") % {"a": ACTION_LABELS[verb]})
                return redirect("registry:application_detail", pk=app.pk)
            except ValidationError as exc:
                _attach(form, exc)
        else:
            form.add_error(None, _("该操作在当前状态下不可用。"))
    return render(
        request,
        "registry/application_detail.html",
        {
            "app": app,
            "sites": selectors.institution_record(user=user, pk=app.institution_id).sites,
            "form": form,
            "verbs": [(v, str(ACTION_LABELS[v])) for v in verbs],
            "overdue": selectors.is_overdue(app),
            "can_act": can(user, "registry.decide_application", app),
            "is_regulator": is_regulator,
        },
    )


@login_required
@require_GET
@permission_required("registry.view_application")
def application_decision(request: HttpRequest, pk: int) -> HttpResponse:
    app = selectors.application_for_user(user=request_user(request), pk=pk)
    if app.status not in (ApplicationStatus.APPROVED, ApplicationStatus.REJECTED):
        raise Http404
    response = HttpResponse(
        documents.decision_docx(app),
        content_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    )
    response["Content-Disposition"] = f"attachment; filename=decision-{app.pk}.docx"
    return response


@login_required
@require_GET
@permission_required("registry.view_application")
def application_material(request: HttpRequest, pk: int, material_pk: int) -> HttpResponse:
    app = selectors.application_for_user(user=request_user(request), pk=pk)
    material = app.materials.filter(pk=material_pk).first()
    if material is None:
        raise Http404
    with material.file.open("rb") as fh:
        data = fh.read()
    name = material.original_name or material.file.name.rsplit("/", 1)[-1]
    response = HttpResponse(data, content_type="application/octet-stream")
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{_quote(name)}"
    return response


def _quote(name: str) -> str:
    from urllib.parse import quote

    return quote(name)


# --- operator ----------------------------------------------------------------------------------------------------


@login_required
@require_GET
@permission_required("registry.manage_own_institution")
def my_institution(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    inst = selectors.my_institution(user=user)
    if inst is None:
        return redirect("registry:apply")
    record = selectors.institution_record(user=user, pk=inst.pk)
    return render(request, "registry/my_institution.html", {"r": record, "inst": inst})


@login_required
@permission_required("registry.manage_own_institution")
def my_institution_edit(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    inst = selectors.my_institution(user=user)
    if inst is None:
        raise Http404
    form = InstitutionEditForm(request.POST or None, instance=inst)
    if request.method == "POST" and form.is_valid():
        try:
            services.institution_update(actor=user, institution=inst, changes=form.changes())
            messages.success(request, _("机构信息已更新，变更已记录。"))
            return redirect("registry:my_institution")
        except ValidationError as exc:
            _attach(form, exc)
    return render(request, "registry/form.html", {"form": form, "title": _("变更机构信息")})


@login_required
@permission_required("registry.manage_own_institution")
def my_site_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    user = request_user(request)
    inst = selectors.my_institution(user=user)
    if inst is None:
        raise Http404
    site = selectors.my_site(user=user, pk=pk) if pk else None
    form = SiteForm(request.POST or None, instance=site)
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items()}
        try:
            _saved, violations = services.site_save(actor=user, institution=inst, data=data, site=site)
            if violations:
                messages.warning(
                    request,
                    _("教学点已保存，但不符合场地要求：%(v)s")
                    % {"v": "；".join(f"{v.message}（{v.basis}）" for v in violations)},
                )
            else:
                messages.success(request, _("教学点已保存，符合场地要求。"))
            return redirect("registry:my_institution")
        except ValidationError as exc:
            _attach(form, exc)
    return render(request, "registry/form.html", {"form": form, "title": _("教学点") if site is None else site.name})


@login_required
@permission_required("registry.apply_for_licence")
def apply(request: HttpRequest) -> HttpResponse:
    """The operator's licence application: the first submission, its progress, and resubmission after a return."""
    user = request_user(request)
    inst = selectors.my_institution(user=user)
    applications = list(selectors.my_applications(user=user).prefetch_related("steps__actor", "materials"))
    current = applications[0] if applications else None
    form: ApplicationForm | MaterialsForm | None = None
    if inst is None:
        form = ApplicationForm(request.POST or None, request.FILES or None, counties=_counties_all())
    elif current is not None and current.status == ApplicationStatus.RETURNED:
        form = MaterialsForm(request.POST or None, request.FILES or None)
    elif current is None and inst.status == InstitutionStatus.APPLYING:
        form = MaterialsForm(request.POST or None, request.FILES or None)
    if request.method == "POST":
        if form is None:
            raise Http404
        if form.is_valid():
            try:
                if isinstance(form, ApplicationForm):
                    services.licence_application_submit(
                        actor=user,
                        data=form.institution_data(),
                        materials=form.materials(),
                        comment=form.cleaned_data["comment"],
                    )
                elif current is not None and current.status == ApplicationStatus.RETURNED:
                    services.licence_application_resubmit(
                        actor=user,
                        application=current,
                        materials=form.materials(),
                        comment=form.cleaned_data["comment"],
                    )
                else:
                    services.licence_application_submit(
                        actor=user, materials=form.materials(), comment=form.cleaned_data["comment"]
                    )
                messages.success(request, _("申请已提交，请等待主管部门受理。"))
                return redirect("registry:apply")
            except ValidationError as exc:
                _attach(form, exc)
    return render(
        request,
        "registry/apply.html",
        {
            "form": form,
            "inst": inst,
            "applications": applications,
            "current": current,
            "min_area": rules.premises_settings()["min_area_m2"],
        },
    )


def _counties_all() -> list[tuple[str, str]]:
    qs = Division.objects.filter(level=DivisionLevel.COUNTY)
    return list(qs.order_by("code").values_list("code", "name")[:500])
