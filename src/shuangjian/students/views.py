"""Pages: parents (children, contracts), operators (enrolments, attendance), schools and regulators (lists, export)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from shuangjian.core.access import request_user
from shuangjian.core.export_views import start_and_redirect
from shuangjian.core.exports import latest_result_for_user, params_from_query
from shuangjian.core.models import User
from shuangjian.core.permissions import can, permission_required
from shuangjian.core.rules import RuleViolationError
from shuangjian.core.validators import mask_resident_id

from . import selectors, services
from .contracts import DOCX_CONTENT_TYPE, contract_clauses, contract_docx
from .exports import ENROLMENT_TOTALS as ENROLMENT_TOTALS_EXPORT
from .exports import ENROLMENTS as ENROLMENTS_EXPORT
from .forms import BindForm, EnrolmentForm
from .models import Enrolment, EnrolmentStatus


def _show_violations(form: forms.Form, exc: ValidationError) -> None:
    violations = getattr(exc, "violations", None)
    if violations is None:
        for message in exc.messages:
            form.add_error(None, message)
        return
    for v in violations:
        field = v.field if v.field in form.fields else None
        form.add_error(field, f"{v.message}（依据：{v.basis}）")


def _guardian_name(enrolment: Enrolment, user: User) -> str:
    if enrolment.contract_confirmed_by is not None:
        return str(enrolment.contract_confirmed_by)
    return str(user) if can(user, "students.view_own_children") else ""


# --- parents ------------------------------------------------------------------------------------------------------


@login_required
@permission_required("students.view_own_children")
def my_children(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    form = BindForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.guardian_bind(
                actor=user,
                name=form.cleaned_data["name"],
                resident_id=form.cleaned_data["resident_id"],
                binding_code=form.cleaned_data["binding_code"],
            )
        except ValidationError as exc:
            _show_violations(form, exc)
        else:
            messages.success(request, _("已绑定孩子 %(name)s。") % {"name": form.cleaned_data["name"]})
            return redirect("students:my_children")
    children = list(selectors.children_for_parent(user))
    return render(request, "students/my_children.html", {"form": form, "children": children})


@login_required
@permission_required("students.view_own_children")
def child_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    child = selectors.child_for_parent(user, pk)
    enrolments = selectors.enrolments_for_user(user).filter(student=child).order_by("-created_at")
    return render(
        request,
        "students/child_detail.html",
        {"child": child, "masked_id": mask_resident_id(child.resident_id), "enrolments": enrolments},
    )


# --- one enrolment, its contract --------------------------------------------------------------------------------


@login_required
@permission_required("students.view_enrolment")
def enrolment_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    enrolment = selectors.enrolment_for_user(user, pk)
    can_confirm = (
        can(user, "students.view_own_children")
        and enrolment.status == EnrolmentStatus.PENDING
        and not enrolment.contract_confirmed_at
    )
    return render(
        request,
        "students/enrolment_detail.html",
        {
            "enrolment": enrolment,
            "clauses": contract_clauses(
                enrolment, guardian_name=_guardian_name(enrolment, user), for_institution=_is_own(user)
            ),
            "for_institution": _is_own(user),
            "attendance": selectors.attendance_for_enrolment(enrolment),
            "can_confirm": can_confirm,
            "can_cancel": can(user, "students.manage_enrolments") and enrolment.status == EnrolmentStatus.PENDING,
        },
    )


@login_required
@permission_required("students.view_enrolment")
def contract_download(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    enrolment = selectors.enrolment_for_user(user, pk)
    body = contract_docx(enrolment, guardian_name=_guardian_name(enrolment, user), for_institution=_is_own(user))
    response = HttpResponse(body, content_type=DOCX_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="contract-{enrolment.contract_no}.docx"'
    return response


def _is_own(user: User) -> bool:
    # enrolment_for_user has already limited an operator to their institution's enrolments.
    return can(user, "students.manage_enrolments")


@login_required
@permission_required("students.manage_enrolments")
@require_POST
def binding_code_renew(request: HttpRequest, pk: int) -> HttpResponseBase:
    user = request_user(request)
    enrolment = selectors.enrolment_for_user(user, pk)
    services.enrolment_binding_code_renew(actor=user, enrolment=enrolment)
    messages.success(request, _("已生成新的家长绑定码，原绑定码作废。"))
    return redirect("students:enrolment_detail", pk=enrolment.pk)


@login_required
@require_POST
@permission_required("students.view_own_children")
def contract_confirm(request: HttpRequest, pk: int) -> HttpResponseBase:
    user = request_user(request)
    enrolment = selectors.enrolment_for_user(user, pk)
    try:
        services.contract_confirm(actor=user, enrolment=enrolment)
    except RuleViolationError as exc:
        for v in exc.violations:
            messages.error(request, v.message)
    else:
        messages.success(request, _("合同已确认，报名生效。"))
    return redirect("students:enrolment_detail", pk=enrolment.pk)


@login_required
@require_POST
@permission_required("students.manage_enrolments")
def enrolment_cancel(request: HttpRequest, pk: int) -> HttpResponseBase:
    user = request_user(request)
    enrolment = selectors.enrolment_for_user(user, pk)
    try:
        services.enrolment_cancel(actor=user, enrolment=enrolment)
    except RuleViolationError as exc:
        for v in exc.violations:
            messages.error(request, v.message)
    else:
        messages.success(request, _("报名已取消，名额已释放。"))
    return redirect("students:enrolment_detail", pk=enrolment.pk)


# --- lists for operators, schools, regulators --------------------------------------------------------------------


@login_required
@permission_required("students.view_enrolments")
def enrolment_list(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    qs = selectors.filter_enrolments(selectors.enrolments_for_user(user), request.GET)
    filters = params_from_query(request.GET, drop=("page", "export", "totals"))
    if request.GET.get("totals") == "exact":
        # Exact figures read every enrolment in reach: a background job computes them, then this page shows them.
        return start_and_redirect(request, kind=ENROLMENT_TOTALS_EXPORT, params=filters)
    page = selectors.enrolment_page(qs, request.GET.get("page"))
    is_operator = can(user, "students.manage_enrolments")
    totals = selectors.enrolment_totals(qs, counted=page.paginator.count, by_institution=not is_operator)
    totals_job = None
    if not totals["complete"]:
        totals_job = latest_result_for_user(user=user, kind=ENROLMENT_TOTALS_EXPORT, params=filters)
        if totals_job is not None and "data" in (totals_job.result or {}):
            totals = selectors.enrolment_totals_from_data(totals_job.result["data"])
        else:
            totals_job = None
    exact_params = request.GET.copy()
    exact_params["totals"] = "exact"
    exact_params.pop("page", None)
    return render(
        request,
        "students/enrolment_list.html",
        {
            "page": page,
            "totals": totals,
            "totals_job": totals_job,
            "by_institution": totals["by_institution"],
            "statuses": EnrolmentStatus.choices,
            "is_operator": is_operator,
            "show_institution": not is_operator,
            "exact_totals_query": exact_params.urlencode(),
            "totals_cap": selectors.TOTALS_CAP,
        },
    )


@login_required
@permission_required("students.view_enrolments")
def enrolment_export(request: HttpRequest) -> HttpResponse:
    """The filtered list as Excel, written by a background job (students.exports); then the job's page."""
    return start_and_redirect(request, kind=ENROLMENTS_EXPORT, params=params_from_query(request.GET))


# --- operators: new enrolment, attendance ------------------------------------------------------------------------


@login_required
@permission_required("students.manage_enrolments")
def enrolment_new(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    form = EnrolmentForm(request.POST or None, class_groups=selectors.class_groups_for_operator(user))
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            enrolment = services.enrolment_create(
                actor=user,
                class_group=d["class_group"],
                student=services.StudentData(
                    name=d["name"],
                    resident_id=d["resident_id"],
                    school_roll_no=d["school_roll_no"],
                    grade=d["grade"],
                    school_name=d["school_name"],
                    school_code=d["school_code"],
                ),
                start_date=d["start_date"],
                end_date=d["end_date"],
                lessons_bought=d["lessons_bought"],
                price_per_lesson_fen=d["price_per_lesson"],
                external_id=d["external_id"].strip(),
            )
        except ValidationError as exc:
            _show_violations(form, exc)
        else:
            messages.success(request, _("报名已登记，合同 %(no)s 待家长在线确认。") % {"no": enrolment.contract_no})
            return redirect("students:enrolment_detail", pk=enrolment.pk)
    return render(request, "students/enrolment_form.html", {"form": form})


@login_required
@permission_required("students.manage_enrolments")
def attendance_sessions(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    qs = selectors.sessions_for_operator(user)
    if request.GET.get("when") != "all":
        qs = qs.filter(starts_at__lte=timezone.now())
    page = Paginator(qs, 30).get_page(request.GET.get("page"))
    return render(request, "students/attendance_sessions.html", {"page": page})


@login_required
@permission_required("students.manage_enrolments")
def attendance_sheet(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    session = selectors.session_for_operator(user, pk)
    errors: list[str] = []
    if request.method == "POST":
        present_ids = set(request.POST.getlist("present"))
        saved = 0
        for row in selectors.attendance_sheet(session):
            enrolment = row["enrolment"]
            present = str(enrolment.pk) in present_ids
            if not present and not row["recorded"] and enrolment.status != EnrolmentStatus.ACTIVE:
                continue  # a pending contract cannot be marked either way; nothing to say about absence
            try:
                _attendance, changed = services.attendance_record(
                    actor=user, session=session, enrolment=enrolment, present=present
                )
            except RuleViolationError as exc:
                errors += [f"{enrolment.student.name}：{v.message}" for v in exc.violations]
            else:
                saved += int(changed)
        if not errors:
            messages.success(request, _("考勤已保存（更新 %(n)d 人）。") % {"n": saved})
            return redirect("students:attendance_sheet", pk=session.pk)
    context: dict[str, Any] = {"session": session, "rows": selectors.attendance_sheet(session), "errors": errors}
    return render(request, "students/attendance_sheet.html", context)
