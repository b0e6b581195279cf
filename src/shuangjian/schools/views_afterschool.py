"""Pages of the after-school service: the school's plan and classes, and the regulator's coverage by county."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from shuangjian.core.access import request_user
from shuangjian.core.excel import FileProblem
from shuangjian.core.export_views import start_and_redirect
from shuangjian.core.models import Division
from shuangjian.core.permissions import permission_required
from shuangjian.core.rules import RuleViolationError

from . import afterschool, rules, selectors
from .exports import COVERAGE as COVERAGE_EXPORT
from .forms import ClassForm, ClassImportForm, PlanForm
from .services import RosterRowsInvalid


def _school_page(request: HttpRequest, **extra: Any) -> HttpResponse:
    user = request_user(request)
    school = selectors.require_school(user)
    term = afterschool.current_term()
    plan = selectors.plans_for_user(user).filter(school=school, term=term).first()
    classes = list(selectors.classes_for_user(user).filter(school=school, term=term))
    for c in classes:
        c.fee_violations = rules.check_fee(grade=c.grade, fee_fen=c.fee_fen)  # type: ignore[attr-defined]
    services = afterschool.school_services(selectors.schools_for_user(user).filter(pk=school.pk), term)
    svc = services[0][1] if services else None
    context = {
        "school": school,
        "term": term,
        "term_label": rules.term_label(term),
        "plan": plan,
        "plan_problems": rules.check_plan(days_per_week=plan.days_per_week, minutes_per_day=plan.minutes_per_day)
        if plan
        else [],
        "service": svc,
        "classes": classes,
        "class_form": extra.pop("class_form", None) or ClassForm(),
        "import_form": extra.pop("import_form", None) or ClassImportForm(),
        "headers": afterschool.class_headers(),
        "caps": {
            "primary": rules.yuan(rules.fee_cap_fen(rules.PRIMARY)),
            "junior": rules.yuan(rules.fee_cap_fen(rules.JUNIOR)),
        },
        **extra,
    }
    status = 422 if extra.get("row_errors") or extra.get("failed") else 200
    return render(request, "schools/afterschool.html", context, status=status)


@login_required
@permission_required("schools.manage_afterschool")
def afterschool_home(request: HttpRequest) -> HttpResponse:
    return _school_page(request)


@login_required
@permission_required("schools.manage_afterschool")
def plan_edit(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    school = selectors.require_school(user)
    term = afterschool.current_term()
    plan = selectors.plans_for_user(user).filter(school=school, term=term).first()
    choices = afterschool.provider_choices(school)
    initial = {}
    if plan is not None:
        initial = {
            "days_per_week": plan.days_per_week,
            "minutes_per_day": plan.minutes_per_day,
            "activities": plan.activities,
            "teachers": plan.teachers,
            "providers": [p.institution_id for p in plan.providers.all()],
        }
    form = PlanForm(request.POST or None, initial=initial, providers=choices)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            d = form.cleaned_data
            try:
                afterschool.plan_save(
                    actor=user,
                    school=school,
                    term=term,
                    days_per_week=d["days_per_week"],
                    minutes_per_day=d["minutes_per_day"],
                    activities=d["activities"],
                    teachers=d["teachers"],
                    providers=[(inst, "") for inst in d["providers"]],
                )
            except RuleViolationError as exc:
                for message in exc.messages:
                    form.add_error("providers", message)
            else:
                messages.success(request, _("课后服务方案已保存。"))
                return redirect("schools:afterschool")
        status = 422
    return render(
        request,
        "schools/plan_form.html",
        {"form": form, "school": school, "term_label": rules.term_label(term)},
        status=status,
    )


@login_required
@permission_required("schools.manage_afterschool")
@require_POST
def class_add(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    school = selectors.require_school(user)
    form = ClassForm(request.POST)
    if form.is_valid():
        d = form.cleaned_data
        row = afterschool.ClassRow(
            grade=d["grade"],
            name=d["name"].strip(),
            pupils=d["pupils"],
            asked=d["asked"],
            served=d["served"],
            fee_fen=int(d["fee"] * 100),
        )
        try:
            afterschool.class_save(actor=user, school=school, term=afterschool.current_term(), row=row)
        except RuleViolationError as exc:
            for v in exc.violations:
                form.add_error(v.field if v.field in form.fields else None, v.message)
        else:
            messages.success(request, _("班级已保存。"))
            return redirect("schools:afterschool")
    return _school_page(request, class_form=form, failed=True)


@login_required
@permission_required("schools.manage_afterschool")
@require_POST
def classes_import(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    school = selectors.require_school(user)
    form = ClassImportForm(request.POST, request.FILES)
    row_errors: list[Any] = []
    if form.is_valid():
        try:
            created = afterschool.classes_import(
                actor=user, school=school, term=afterschool.current_term(), file=form.cleaned_data["file"]
            )
        except RosterRowsInvalid as exc:
            row_errors = exc.errors
        except (FileProblem, ValidationError) as exc:
            form.add_error("file", exc.messages[0])
        else:
            n = len(created)
            messages.success(request, ngettext("已导入 %(n)d 个班级。", "已导入 %(n)d 个班级。", n) % {"n": n})
            return redirect("schools:afterschool")
    return _school_page(request, import_form=form, row_errors=row_errors, failed=True)


@login_required
@permission_required("schools.manage_afterschool")
def classes_template(request: HttpRequest) -> FileResponse:
    request_user(request)
    return FileResponse(afterschool.class_template(), as_attachment=True, filename=_("班级课后服务模板.xlsx"))


def _coverage_data(request: HttpRequest) -> tuple[list[Any], list[Any], dict[str, str], str]:
    user = request_user(request)
    term = afterschool.current_term()
    pairs = afterschool.school_services(selectors.schools_for_user(user), term)
    codes = sorted({s.division_code for s, _svc in pairs})
    names = dict(Division.objects.filter(code__in=codes).values_list("code", "name"))
    return pairs, afterschool.coverage_by_county(pairs, names), names, term


def _short_ids(counties: list[Any]) -> set[int]:
    return {pk for c in counties for pk in c.coverage.short}


@login_required
@permission_required("schools.view_coverage")
def coverage(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    pairs, counties, names, term = _coverage_data(request)
    short = [(s, svc, names.get(s.division_code, s.division_code)) for s, svc in pairs if s.pk in _short_ids(counties)]
    over_cap = list(afterschool.over_cap_classes(selectors.schools_for_user(user), term)[:200])
    chart = {
        "counties": [c.name for c in counties],
        "schools": [c.coverage.school_percent or 0 for c in counties],
        "pupils": [c.coverage.pupil_percent or 0 for c in counties],
    }
    return render(
        request,
        "schools/coverage.html",
        {
            "counties": counties,
            "short": short,
            "over_cap": over_cap,
            "names": names,
            "chart": chart,
            "term_label": rules.term_label(term),
        },
    )


@login_required
@permission_required("schools.view_coverage")
def coverage_export(request: HttpRequest) -> HttpResponse:
    """The coverage of every school in reach as Excel, written by a background job (schools.exports)."""
    return start_and_redirect(request, kind=COVERAGE_EXPORT, params={})
