"""Pages of the grid app: the officer's phone pages (home with one-tap zero reports, a cell's institutions, the
daily report form, a report with its findings) and the regulator's reporting rates with the gaps."""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from shuangjian.core.access import request_user
from shuangjian.core.export_views import start_and_redirect
from shuangjian.core.permissions import can, permission_required

from . import exports, selectors, services
from .forms import AssignmentForm, EndForm, PeriodForm, ReportForm
from .models import Finding


def _first_message(exc: ValidationError) -> str:
    return "；".join(exc.messages) if exc.messages else str(exc)


@login_required
@require_GET
@permission_required("grid.file_report")
def home(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    filed = selectors.reports_today_for(user)
    cells = [(cell, filed.get(cell.code)) for cell in selectors.cells_for_officer(user)]
    return render(
        request,
        "grid/home.html",
        {
            "cells": cells,
            "today": timezone.localdate(),
            "reminders": selectors.reminders_open_for(user)[:20],
            "recent": selectors.reports_for_user(user).filter(officer=user)[:10],
        },
    )


@login_required
@require_GET
@permission_required("grid.file_report")
def cell_detail(request: HttpRequest, code: str) -> HttpResponse:
    user = request_user(request)
    cell = selectors.cell_for_officer(user, code)
    return render(request, "grid/cell.html", {"cell": cell, "rows": selectors.institutions_of_cell(user, cell)})


@login_required
@require_POST
@permission_required("grid.file_report")
def report_zero(request: HttpRequest, code: str) -> HttpResponse:
    user = request_user(request)
    cell = selectors.cell_for_officer(user, code)
    # A reminder's "file it now" names the missed day; a malformed one is today's tap.
    try:
        day = datetime.date.fromisoformat(request.POST.get("day", ""))
    except ValueError:
        day = timezone.localdate()
    try:
        result = services.grid_report_zero(actor=user, cell=cell, day=day)
    except ValidationError as exc:
        messages.error(request, _first_message(exc))
        return redirect("grid:home")
    when = _("今日") if day == timezone.localdate() else day.isoformat()
    if result.created:
        messages.success(request, _("已报送：%(cell)s %(when)s无异常。") % {"cell": cell.name, "when": when})
    else:
        messages.info(request, _("%(cell)s %(when)s日报此前已报送。") % {"cell": cell.name, "when": when})
    return redirect("grid:home")


@login_required
@permission_required("grid.file_report")
def report_new(request: HttpRequest, code: str) -> HttpResponse:
    user = request_user(request)
    cell = selectors.cell_for_officer(user, code)
    today = timezone.localdate()
    already = selectors.reports_for_user(user).filter(officer=user, cell=cell, day=today).first()
    if already is not None:
        messages.info(request, _("%(cell)s 今日日报此前已报送。") % {"cell": cell.name})
        return redirect("grid:report_detail", pk=already.pk)
    rows = selectors.institutions_of_cell(user, cell)
    form = ReportForm(request.POST or None, request.FILES or None, institutions=rows)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                result = services.grid_report_submit(actor=user, cell=cell, day=today, data=form.to_input())
            except ValidationError as exc:
                if hasattr(exc, "error_dict"):
                    for name, errors in exc.error_dict.items():
                        for e in errors:
                            form.add_error(name if name in form.fields else None, e.messages[0])
                else:
                    form.add_error(None, _first_message(exc))
            else:
                messages.success(request, _("日报已报送。"))
                return redirect("grid:report_detail", pk=result.report.pk)
        status = 422
    return render(request, "grid/report_form.html", {"form": form, "cell": cell, "today": today}, status=status)


@login_required
@require_GET
@permission_required("grid.view_reports")
def report_list(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    page = Paginator(selectors.reports_for_user(user), 30).get_page(request.GET.get("page"))
    return render(request, "grid/report_list.html", {"page": page})


@login_required
@require_GET
@permission_required("grid.view_reports")
def report_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    report = selectors.report_for_user(user, pk)
    findings = selectors.finding_rows(user, list(selectors.findings_of(report)))
    return render(
        request,
        "grid/report_detail.html",
        {"report": report, "sightings": report.sightings.select_related("institution"), "findings": findings},
    )


@login_required
@require_POST
@permission_required("grid.view_reports")
def finding_lead(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    finding = selectors.finding_for_user(user, pk)
    if not can(user, "grid.raise_lead", finding):
        raise Http404
    try:
        finding = services.grid_finding_to_lead(actor=user, finding=finding)
    except ValidationError as exc:
        messages.error(request, _first_message(exc))
    else:
        messages.success(
            request, _("已转为检查线索（编号 %(id)s），等待执法人员检查。") % {"id": finding.inspection_id}
        )
    return redirect(_back(request, finding))


def _back(request: HttpRequest, finding: Finding) -> str:
    """Back to the finding page when the button was pressed there, else to the report."""
    if request.POST.get("next") == "finding":
        return reverse("grid:finding_detail", args=[finding.pk])
    return reverse("grid:report_detail", args=[finding.report_id])


@login_required
@require_GET
@permission_required("grid.view_reports")
def finding_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    finding = selectors.finding_for_user(user, pk)
    (row,) = selectors.finding_rows(user, [finding])
    return render(request, "grid/finding_detail.html", {"row": row, "finding": finding, "report": finding.report})


@login_required
@require_POST
@permission_required("grid.view_reports")
def finding_report(request: HttpRequest, pk: int) -> HttpResponse:
    """One tap: the finding becomes a public-report case (a second tap shows the same case)."""
    user = request_user(request)
    finding = selectors.finding_for_user(user, pk)
    if not can(user, "grid.report_finding", finding):
        raise Http404
    already = finding.public_report_id is not None
    try:
        finding = services.grid_finding_to_report(actor=user, finding=finding)
    except ValidationError as exc:
        messages.error(request, _first_message(exc))
    else:
        assert finding.public_report is not None
        code = finding.public_report.display_code
        if already:
            messages.info(request, _("此发现此前已转为举报案件（查询码 %(code)s）。") % {"code": code})
        else:
            messages.success(request, _("已转为举报案件（查询码 %(code)s），等待受理。") % {"code": code})
    return redirect(_back(request, finding))


@login_required
@require_GET
@permission_required("grid.view_reports")
def finding_photo(request: HttpRequest, pk: int) -> FileResponse:
    finding = selectors.finding_for_user(request_user(request), pk)
    if not finding.photo:
        raise Http404
    return FileResponse(finding.photo.open("rb"), content_type="image/jpeg")


def _period(request: HttpRequest) -> tuple[PeriodForm, tuple[datetime.date, datetime.date] | None]:
    form = PeriodForm(request.GET or None)
    try:
        return form, form.period()
    except ValidationError as exc:
        form.add_error(None, exc)
        return form, None


@login_required
@require_GET
@permission_required("grid.view_rates")
def rates(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    form, period = _period(request)
    data = selectors.rates_for_user(user, *period) if period else None
    chart = None
    if data is not None:
        rows = data.townships if len(data.counties) <= 1 else data.counties
        chart = {
            "names": [r.name for r in rows],
            "reporting": [r.reporting_percent for r in rows],
            "on_time": [r.on_time_percent for r in rows],
        }
    return render(
        request,
        "grid/rates.html",
        {"form": form, "data": data, "chart": chart, "gaps": data.gaps[:200] if data else []},
        status=200 if period else 422,
    )


@login_required
@require_GET
@permission_required("grid.view_rates")
def rates_export(request: HttpRequest) -> HttpResponse:
    _form, period = _period(request)
    if period is None:
        raise Http404
    params = {"first": period[0].isoformat(), "last": period[1].isoformat()}
    return start_and_redirect(request, kind=exports.RATES, params=params)  # written by a background job


@login_required
@permission_required("grid.assign_officers")
def assignments(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    form = AssignmentForm(
        request.POST or None,
        officers=selectors.assignable_officers(user),
        cells=selectors.assignable_cells(user),
        initial={"start": timezone.localdate()},
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.grid_assignment_create(
                    actor=user,
                    officer=form.cleaned_data["officer"],
                    cell=form.cleaned_data["cell"],
                    start=form.cleaned_data["start"],
                )
            except ValidationError as exc:
                form.add_error(None, _first_message(exc))
            else:
                messages.success(request, _("已分配网格员。"))
                return redirect("grid:assignments")
        status = 422
    page = Paginator(selectors.assignments_for_user(user), 50).get_page(request.GET.get("page"))
    return render(request, "grid/assignments.html", {"form": form, "page": page, "end_form": EndForm()}, status=status)


@login_required
@require_POST
@permission_required("grid.assign_officers")
def assignment_end(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    assignment = selectors.assignment_for_user(user, pk)
    form = EndForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请填写结束日期。"))
        return redirect("grid:assignments")
    try:
        services.grid_assignment_end(actor=user, assignment=assignment, end=form.cleaned_data["end"])
    except ValidationError as exc:
        messages.error(request, _first_message(exc))
    else:
        messages.success(request, _("已结束该网格员在此网格的分配。"))
    return redirect("grid:assignments")
