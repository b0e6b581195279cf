"""Pages of the staff app: operators' staff, regulators' staff in scope, flagged employments, person black list."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from shuangjian.core.access import request_user
from shuangjian.core.pagination import CappedCountPaginator
from shuangjian.core.permissions import can, permission_required, require
from shuangjian.core.rules import RuleViolationError, Violation
from shuangjian.core.scope import get_in_scope_or_404

from . import selectors, services
from .forms import BlacklistForm, EmploymentForm, EndForm, QualificationForm, ReasonForm
from .models import EmploymentFlag, EmploymentRole
from .services import EmploymentData, QualificationData

PER_PAGE = 50


def _violations_into(form: forms.Form, violations: list[Violation]) -> None:
    """Mark each violation on the field it concerns (the template lists all of them, with basis, above the form)."""
    for v in violations:
        text = _("%(message)s（依据：%(basis)s）") % {"message": v.message, "basis": v.basis}
        name = v.field.split(".")[-1] if v.field else ""
        if v.field.startswith("qualifications."):
            name = "cert_" + name
        # The violations box above the form lists every one; fields only repeat those they own.
        if name in form.fields:
            form.add_error(name, text)


@login_required
@permission_required("staff.view_employments")
def employment_list(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    qs = selectors.filter_employments(selectors.employments_for_user(user), request.GET)
    page = CappedCountPaginator(qs, PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "staff/employment_list.html",
        {
            "page": page,
            "roles": EmploymentRole.choices,
            "is_operator": can(user, "staff.manage_employments"),
            "show_institution": not can(user, "staff.manage_employments"),
        },
    )


@login_required
@permission_required("staff.manage_employments")
def employment_new(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    if selectors.operator_institution(user) is None:
        raise Http404
    form = EmploymentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        quals: tuple[QualificationData, ...] = ()
        if d["cert_kind"]:
            quals = (
                QualificationData(
                    kind=d["cert_kind"],
                    number=d["cert_number"],
                    subject=d["cert_subject"],
                    level=d["cert_level"],
                    field=d["cert_field"],
                    name=d["cert_name"],
                ),
            )
        data = EmploymentData(
            resident_id=d["resident_id"],
            name=d["name"],
            phone=d["phone"],
            role=d["role"],
            start=d["start"],
            end=d["end"],
            subjects=tuple(d["subjects"]),
            field=d["field"],
            qualifications=quals,
        )
        try:
            e = services.employment_create(actor=user, data=data)
        except RuleViolationError as exc:
            _violations_into(form, exc.violations)
            return render(
                request, "staff/employment_form.html", {"form": form, "violations": exc.violations}, status=422
            )
        messages.success(request, _("已登记 %(name)s。") % {"name": e.person.name})
        return redirect("staff:employment_detail", pk=e.pk)
    return render(request, "staff/employment_form.html", {"form": form, "violations": []})


@login_required
@permission_required("staff.view_employments")
def employment_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    e = selectors.employment_for_user(user, pk)
    is_operator = can(user, "staff.manage_employments")
    qform = QualificationForm(prefix="q")
    eform = EndForm(prefix="e")
    violations: list[Violation] = []
    status = 200
    if request.method == "POST" and is_operator:
        try:
            if "q-kind" in request.POST:
                qform = QualificationForm(request.POST, prefix="q")
                if qform.is_valid():
                    d = qform.cleaned_data
                    services.qualification_add(actor=user, person=e.person, data=QualificationData(**d))
                    messages.success(request, _("已登记证书。"))
                    return redirect("staff:employment_detail", pk=e.pk)
            else:
                eform = EndForm(request.POST, prefix="e")
                if eform.is_valid():
                    services.employment_end(actor=user, employment=e, end=eform.cleaned_data["end"])
                    messages.success(request, _("已登记离职。"))
                    return redirect("staff:employment_detail", pk=e.pk)
        except RuleViolationError as exc:
            violations = exc.violations
        status = 422
    flags = list(e.flags.all())
    return render(
        request,
        "staff/employment_detail.html",
        {
            "e": e,
            "flags": flags,
            "qualifications": list(e.person.qualifications.all()),
            "is_operator": is_operator,
            "qform": qform,
            "eform": eform,
            "violations": violations,
        },
        status=status,
    )


@login_required
@permission_required("staff.view_flags")
def flag_list(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    qs = selectors.flags_for_user(user)
    counts = selectors.flag_counts(qs)
    shown = qs if request.GET.get("all") else qs.filter(resolved_at__isnull=True)
    code = request.GET.get("code") or ""
    if code:
        shown = shown.filter(code=code)
    page = CappedCountPaginator(shown, PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "staff/flag_list.html", {"page": page, "counts": counts, "form": ReasonForm()})


@login_required
@require_POST
@permission_required("staff.resolve_flags")
def flag_resolve(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    flag = get_in_scope_or_404(EmploymentFlag.objects.all(), user, pk=pk)
    form = ReasonForm(request.POST)
    if form.is_valid():
        services.flag_resolve(actor=user, flag=flag, resolution=form.cleaned_data["reason"])
        messages.success(request, _("已记录处理情况。"))
    else:
        messages.error(request, _("请填写处理情况。"))
    return redirect("staff:flag_list")


@login_required
@permission_required("staff.view_people_blacklist")
def blacklist(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    form = BlacklistForm(request.POST or None)
    status = 200
    violations: list[Violation] = []
    if request.method == "POST":
        require(user, "staff.manage_people_blacklist")
        if form.is_valid():
            d = form.cleaned_data
            try:
                services.person_blacklist_add(actor=user, **d)
            except RuleViolationError as exc:
                violations = exc.violations
                _violations_into(form, exc.violations)
            else:
                messages.success(request, _("已列入限制从业名单。"))
                return redirect("staff:blacklist")
        status = 422
    qs = selectors.blacklist_for_user(user)
    page = CappedCountPaginator(qs, PER_PAGE).get_page(request.GET.get("page"))
    ctx: dict[str, Any] = {"page": page, "form": form, "lift_form": ReasonForm(), "violations": violations}
    return render(request, "staff/blacklist.html", ctx, status=status)


@login_required
@require_POST
@permission_required("staff.manage_people_blacklist")
def blacklist_lift(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    entry = get_in_scope_or_404(selectors.blacklist_for_user(user), user, pk=pk)
    form = ReasonForm(request.POST)
    if form.is_valid():
        services.person_blacklist_lift(actor=user, entry=entry, reason=form.cleaned_data["reason"])
        messages.success(request, _("已解除限制从业。"))
    else:
        messages.error(request, _("请填写解除原因。"))
    return redirect("staff:blacklist")
