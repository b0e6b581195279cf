"""Pages for the survey import (template, upload, job progress and result) and Excel exports of lists."""

from __future__ import annotations

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from shuangjian.core.access import job_for_user, request_user
from shuangjian.core.excel import Limits, upload_size_problem
from shuangjian.core.export_views import start_and_redirect
from shuangjian.core.models import Job
from shuangjian.core.nav import NavItem, register
from shuangjian.core.permissions import permission_required

from .. import exports, imports
from ..filters import InstitutionFilters

JOB_KINDS = (imports.JOB_KIND, exports.EXPORT_JOB_KIND)

register(
    NavItem(gettext_lazy("摸底排查导入"), "registry:survey_import", order=230, permission="registry.import_survey")
)


class SurveyImportForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Excel 文件（.xlsx）"),
        error_messages={"required": gettext_lazy("请选择要上传的 Excel 文件。")},
    )
    mode = forms.ChoiceField(
        label=gettext_lazy("导入方式"),
        choices=[
            (imports.MODE_ALL_OR_NOTHING, gettext_lazy("全部无误才导入（有任何一行错误则不导入）")),
            (imports.MODE_GOOD_ROWS, gettext_lazy("只导入无误的行，有误的行列出不导入")),
        ],
        initial=imports.MODE_ALL_OR_NOTHING,
        widget=forms.RadioSelect,
    )
    year = forms.IntegerField(label=gettext_lazy("排查年度"), min_value=2000, max_value=2100)

    def clean_file(self) -> object:
        upload = self.cleaned_data["file"]
        problem = upload_size_problem(upload.size)
        if problem is not None:
            raise problem
        return upload


@login_required
@permission_required("registry.import_survey")
def survey_import(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    if request.method == "POST":
        form = SurveyImportForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                job = imports.survey_import_start(
                    actor=user,
                    upload=form.cleaned_data["file"],
                    mode=form.cleaned_data["mode"],
                    year=form.cleaned_data["year"],
                )
            except imports.FileProblem as exc:
                form.add_error("file", exc)
            else:
                return redirect("registry:job_detail", pk=job.pk)
    else:
        form = SurveyImportForm(initial={"year": timezone.localdate().year})
    recent = Job.objects.filter(owner=user, kind=imports.JOB_KIND).order_by("-created_at")[:10]
    limits = Limits.current()
    return render(
        request,
        "registry/imports/upload.html",
        {
            "form": form,
            "recent": recent,
            "columns": imports.survey_columns(),
            "max_rows": limits.rows,
            "max_mb": f"{limits.upload_bytes / (1024 * 1024):g}",
        },
    )


@login_required
@require_GET
@permission_required("registry.import_survey")
def survey_template(request: HttpRequest) -> FileResponse:
    return exports.xlsx_response(imports.survey_template(), "摸底排查模板.xlsx")


def _job_context(job: Job) -> dict[str, object]:
    result = job.result or {}
    errors = result.get("errors") or []
    return {
        "job": job,
        "result": result,
        "errors": errors,
        "more_errors": max(int(result.get("error_count") or 0) - len(errors), 0),
        "finished": job.status in ("succeeded", "failed"),
        "is_import": job.kind == imports.JOB_KIND,
    }


@login_required
@permission_required("registry.view_jobs")
def job_detail(request: HttpRequest, pk: int) -> HttpResponse:
    job = job_for_user(user=request_user(request), pk=pk, kinds=JOB_KINDS)
    return render(request, "registry/imports/job.html", _job_context(job))


@login_required
@permission_required("registry.view_jobs")
def job_progress(request: HttpRequest, pk: int) -> HttpResponse:
    """The progress panel alone, polled every second by htmx until the job has finished."""
    job = job_for_user(user=request_user(request), pk=pk, kinds=JOB_KINDS)
    return render(request, "registry/imports/_progress.html", _job_context(job))


@login_required
@permission_required("registry.view_jobs")
def job_download(request: HttpRequest, pk: int) -> FileResponse:
    job = job_for_user(user=request_user(request), pk=pk, kinds=JOB_KINDS)
    if not job.result_file:
        raise Http404
    if job.kind == imports.JOB_KIND:
        name = f"导入错误说明-{job.pk}.xlsx"
    else:
        name = f"机构名单-{job.pk}.xlsx"
    return exports.xlsx_response(job.result_file.open("rb"), name)


@login_required
@require_GET
@permission_required("registry.export_institutions")
def institution_export(request: HttpRequest) -> HttpResponseBase:
    """The filtered institution list as Excel, written by a background job; the person follows the job's page."""
    filters = InstitutionFilters.from_params(request.GET)
    return start_and_redirect(request, kind=exports.INSTITUTIONS_EXPORT, params=filters.as_params())


@login_required
@permission_required("registry.view_jobs")
def job_list(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    qs = Job.objects.filter(owner=user, kind__in=JOB_KINDS).order_by("-created_at")
    page = Paginator(qs, 20).get_page(request.GET.get("page"))
    return render(request, "registry/imports/jobs.html", {"page": page})
