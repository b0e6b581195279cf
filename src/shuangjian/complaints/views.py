"""Staff pages: the report list (filters, overdue and escalation marks), a report with the actions its state
allows, intake of hotline / email / letter / 12345 reports, and the statistics (charts, Excel)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from shuangjian.core.exact_counts import EXACT_PARAM, EXACT_VALUE, list_total
from shuangjian.core.export_views import exact_count_start_and_return, start_and_redirect
from shuangjian.core.exports import export_job_start, latest_result_for_user
from shuangjian.core.middleware import client_ip
from shuangjian.core.models import Role, User
from shuangjian.core.pagination import CappedCountPaginator
from shuangjian.core.permissions import permission_required
from shuangjian.core.scope import scope_queryset
from shuangjian.registry.models import Institution

from . import hooks, selectors, services, stats
from .exports import REPORT_COUNT
from .exports import STATISTICS as STATISTICS_EXPORT
from .forms import StaffReportForm
from .models import Category, ReportPhoto, ReportStatus
from .workflow import staff_actions

REPORT_LIST_COUNT_CAP = 1000


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


@permission_required("complaints.view_reports")
def report_list(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    params = selectors.report_filter_params(request.GET)
    if request.GET.get(EXACT_PARAM) == EXACT_VALUE:  # the exact total reads every report in reach: a job's work
        return exact_count_start_and_return(request, kind=REPORT_COUNT, params=params)
    qs = selectors.reports_filtered(user, params)
    # A work list: past REPORT_LIST_COUNT_CAP matches the page says "more than 1,000" (the exact total is counted by
    # a job on request, core.exact_counts), so a filtered list costs the same at 10,000 reports as at 100,000.
    paginator = CappedCountPaginator(qs.order_by("-received_at", "-pk"), 30, cap=REPORT_LIST_COUNT_CAP)
    page = paginator.get_page(request.GET.get("page"))
    return render(
        request,
        "complaints/report_list.html",
        {
            "page": page,
            "statuses": ReportStatus.choices,
            "categories": Category.choices,
            "counties": services.county_choices(user.scope_code[:4] if user.scope_code else ""),
            "f": request.GET,
            "list_total": list_total(user=user, kind=REPORT_COUNT, params=params, paginator=paginator),
        },
    )


@permission_required("complaints.view_reports")
def report_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    report = selectors.report_for_user(user, pk)
    inspectors = scope_queryset(User.objects.filter(role=Role.INSPECTOR, is_active=True), user, "scope_code")
    inspectors = inspectors.filter(scope_code__in=[report.division_code[:n] for n in (4, 6)])
    return render(
        request,
        "complaints/report_detail.html",
        {
            "r": report,
            "actions": staff_actions(report.status),
            "photos": report.photos.all(),
            "events": report.events.select_related("actor"),
            "duplicates": selectors.reports_for_user(user).filter(pk__in=services.duplicates_for(report).values("pk"))[
                :10
            ],
            "merged": report.merged.all(),
            "inspectors": inspectors.order_by("username")[:50],
            "check_done": services.check_done(report),
            "source": hooks.source_link(report, user),
        },
    )


@require_POST
@permission_required("complaints.handle_report")
def report_act(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    user = _user(request)
    report = selectors.report_for_user(user, pk)
    post = request.POST
    try:
        if action == "accept":
            services.report_accept(actor=user, report=report)
        elif action == "refuse":
            services.report_refuse(actor=user, report=report, reason=post.get("reason", ""))
        elif action == "assign":
            services.report_assign(actor=user, report=report, department=post.get("department", ""))
        elif action == "dispatch":
            ids = [int(i) for i in post.getlist("inspectors") if i.isdigit()]
            people = scope_queryset(User.objects.filter(pk__in=ids), user, "scope_code")
            services.report_dispatch(actor=user, report=report, inspectors=list(people))
        elif action == "check":
            services.report_check(actor=user, report=report, no_check_reason=post.get("no_check_reason", ""))
        elif action == "answer":
            services.report_answer(actor=user, report=report, answer=post.get("answer", ""))
        elif action == "close":
            services.report_close(actor=user, report=report)
        elif action == "merge":
            primary = selectors.reports_for_user(user).filter(pk=post.get("primary") or 0).first()
            if primary is None:
                raise ValidationError(_("请选择要合并到的主举报。"))
            services.report_merge(actor=user, report=report, primary=primary)
        else:
            raise Http404
        messages.success(request, _("已保存。"))
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    return redirect("complaints:report_detail", pk=report.pk)


@permission_required("complaints.view_reports")
def report_photo(request: HttpRequest, pk: int, photo_pk: int) -> FileResponse:
    report = selectors.report_for_user(_user(request), pk)
    photo = get_object_or_404(ReportPhoto, report=report, pk=photo_pk)
    return FileResponse(photo.image.open("rb"), content_type="image/jpeg")


@require_http_methods(["GET", "POST"])
@permission_required("complaints.record_report")
def report_new(request: HttpRequest) -> HttpResponse:
    """Staff record a report received by phone, email, letter or a 12345 transfer: the same checks as the web."""
    user = _user(request)
    counties = services.county_choices(user.scope_code[:4] if user.scope_code else "")
    form = StaffReportForm(request.POST or None, counties=counties)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        institution = (
            Institution.objects.filter(uscc=d["institution_uscc"].strip().upper()).first()
            if d["institution_uscc"]
            else None
        )
        data = services.ReportInput(
            category=d["category"],
            description=d["description"],
            address=d["address"],
            division_code=d["division_code"],
            institution=institution,
            institution_name=d["institution_name"],
            phone=d["phone"],
            channel=d["channel"],
        )
        try:
            report = services.report_submit(
                actor=user, data=data, uploads=request.FILES.getlist("photos"), ip=client_ip(request)
            )
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, _("已登记，查询码 %(code)s。") % {"code": report.display_code})
            return redirect("complaints:report_detail", pk=report.pk)
    return render(request, "complaints/report_new.html", {"form": form})


def _form_errors(form: StaffReportForm, exc: ValidationError) -> None:
    for field, errors in exc.message_dict.items() if hasattr(exc, "error_dict") else [(None, exc.messages)]:
        for error in errors:
            form.add_error(field if field in form.fields else None, error)


@permission_required("complaints.view_statistics")
def statistics(request: HttpRequest) -> HttpResponseBase:
    """The figures read every report in reach, so a background job computes them (with the workbook); the page
    shows the person's latest result, and a new computation on ``?refresh=1`` (or when there is none yet)."""
    user = _user(request)
    job = latest_result_for_user(user=user, kind=STATISTICS_EXPORT)
    wants_new = request.GET.get("refresh") == "1" or request.GET.get("export") == "xlsx"
    if request.GET.get("export") == "xlsx":
        return start_and_redirect(request, kind=STATISTICS_EXPORT, params={})
    if job is None or wants_new or "data" not in (job.result or {}):
        job = export_job_start(actor=user, kind=STATISTICS_EXPORT, params={})
        job.refresh_from_db()
        if "data" not in (job.result or {}):
            # Still being computed by a worker: the page says so and links to the job's progress.
            return render(request, "complaints/statistics.html", {"s": None, "public": False, "job": job})
    figures = stats.ReportStats.from_data(job.result["data"])
    return render(
        request,
        "complaints/statistics.html",
        {"s": figures, "chart": figures.chart(), "public": False, "job": job},
    )
