"""Inspector and regulator pages of the inspections area: my tasks, recording an inspection on a phone,
inspection lists and records, evidence photos, signs and ads. Views parse, call a service or selector, render."""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from shuangjian.core.access import request_user
from shuangjian.core.exact_counts import EXACT_PARAM, EXACT_VALUE, list_total
from shuangjian.core.export_views import exact_count_start_and_return, start_and_redirect
from shuangjian.core.exports import params_from_query
from shuangjian.core.models import Department, Division
from shuangjian.core.pagination import CappedCountPaginator
from shuangjian.core.permissions import can, permission_required
from shuangjian.core.scope import scope_queryset
from shuangjian.registry.models import Institution, InstitutionStatus

from .. import inspection_selectors as sel
from .. import inspections as svc
from ..checklist import hints_for
from ..exports import INSPECTION_COUNT
from ..exports import INSPECTIONS as INSPECTIONS_EXPORT
from ..inspection_forms import AdFindingForm, InspectionRecordForm, InspectionStartForm, NoticeIssueForm, RemovedForm
from ..models import (
    AdKind,
    Inspection,
    InspectionKind,
    InspectionStatus,
    ItemResult,
    RectificationNotice,
    SubjectKind,
)
from ..subjects import Subject

EXPORT_MAX_ROWS = 20_000


def _attach(form: Any, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for name, errs in exc.error_dict.items():
            target = name if name in form.fields else None
            for e in errs:
                form.add_error(target, e)
    else:
        form.add_error(None, exc)


def _counties(user: Any) -> list[Division]:
    return list(scope_queryset(Division.objects.filter(level="county"), user, "code").order_by("code"))


@login_required
@require_GET
@permission_required("enforcement.view_my_tasks")
def my_tasks(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    return render(request, "enforcement/inspections/my_tasks.html", {"tasks": sel.my_tasks(user)})


@login_required
@require_http_methods(["GET", "POST"])
@permission_required("enforcement.record_inspection")
def inspection_new(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    institutions = scope_queryset(
        Institution.objects.exclude(status=InstitutionStatus.DEREGISTERED).order_by("name"), user
    )
    form = InspectionStartForm(request.POST or None, institutions=institutions)
    if request.method == "POST" and form.is_valid():
        try:
            insp = svc.inspection_start(
                actor=user,
                subject=Subject.of_institution(form.cleaned_data["institution"]),
                kind=form.cleaned_data["kind"],
            )
        except ValidationError as exc:
            _attach(form, exc)
        else:
            return redirect("enforcement:inspection_record", pk=insp.pk)
    return render(request, "enforcement/inspections/new.html", {"form": form}, status=400 if form.errors else 200)


def _item_inputs(request: HttpRequest, form: InspectionRecordForm) -> list[svc.ItemInput]:
    return [
        svc.ItemInput(
            code=i.code,
            result=str(form.cleaned_data.get(f"item_{i.code}") or ""),
            note=str(form.cleaned_data.get(f"note_{i.code}") or ""),
            photos=request.FILES.getlist(f"photos_{i.code}"),
        )
        for i in form.checklist
    ]


@login_required
@require_http_methods(["GET", "POST"])
@permission_required("enforcement.record_inspection")
def inspection_record(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    insp = sel.inspection_for_user(user, pk)
    items = svc.expected_items(insp, unlicensed=insp.subject_kind == SubjectKind.UNLICENSED)
    if insp.status == InspectionStatus.DONE:
        if request.method == "POST":
            # A phone resubmitting the draft of an inspection already recorded: nothing more to write.
            cu = request.POST.get("client_uuid", "")
            if cu == str(insp.client_uuid):
                return redirect(f"{insp_detail_url(insp)}?saved={insp.client_uuid}")
        messages.info(request, _("该检查已提交。"))
        return redirect("enforcement:inspection_detail", pk=insp.pk)
    initial = {"client_uuid": uuid.uuid4(), "place": insp.place or getattr(insp.institution, "address", "")}
    form = InspectionRecordForm(request.POST or None, initial=initial, items=items)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            done, _created = svc.inspection_submit(
                actor=user,
                client_uuid=d["client_uuid"],
                items=_item_inputs(request, form),
                planned=insp,
                joint_departments=d["joint_departments"],
                place=d["place"],
                latitude=d["latitude"],
                longitude=d["longitude"],
                summary=d["summary"],
                inspector_signatures=d["inspector_signatures"],
                party_signature=d["party_signature"],
                party_refused=d["party_refused"],
            )
        except ValidationError as exc:
            _attach(form, exc)
        else:
            messages.success(request, _("检查记录已提交。"))
            return redirect(f"{insp_detail_url(done)}?saved={done.client_uuid}")
    hints = hints_for(insp.institution) if insp.subject_kind != SubjectKind.UNLICENSED else hints_for(None)
    rows = [dict(r, hints=hints.get(r["item"].code, []), errors=_row_errors(form, r["item"].code)) for r in form.rows()]
    return render(
        request,
        "enforcement/inspections/record.html",
        {"inspection": insp, "form": form, "rows": rows, "joint": insp.kind == InspectionKind.JOINT},
        status=400 if form.errors else 200,
    )


def _row_errors(form: InspectionRecordForm, code: str) -> list[str]:
    errs: list[str] = []
    for key in (f"item_{code}", f"note_{code}", f"photos_{code}"):
        errs.extend(str(e) for e in form.errors.get(key, []))
    return errs


def insp_detail_url(insp: Inspection) -> str:
    from django.urls import reverse

    return reverse("enforcement:inspection_detail", args=[insp.pk])


@login_required
@require_GET
@permission_required("enforcement.view_inspections")
def inspection_list(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    filters = sel.Filters.from_params(request.GET)
    return render_capped_list(
        request,
        "enforcement/inspections/list.html",
        kind=INSPECTION_COUNT,
        rows=sel.inspection_list_for_user(user, filters),
        filters=filters,
        extra={"kinds": InspectionKind.choices, "statuses": InspectionStatus.choices},
    )


def render_capped_list(
    request: HttpRequest, template: str, *, kind: str, rows: QuerySet[Any], filters: sel.Filters, extra: dict[str, Any]
) -> HttpResponse:
    """The inspection or notice list: past LIST_COUNT_CAP rows the header says "超过 1,000" and offers the exact total
    as a job (``kind``, core.exact_counts) — a province's exact COUNT(*) grew with every year of records."""
    user = request_user(request)
    params = filters.as_params()
    if request.GET.get(EXACT_PARAM) == EXACT_VALUE:  # the exact total reads every row in reach: a job's work
        return exact_count_start_and_return(request, kind=kind, params=params)
    paginator = CappedCountPaginator(rows, sel.LIST_PAGE_SIZE, cap=sel.LIST_COUNT_CAP)
    context = {
        "page": paginator.get_page(request.GET.get("page")),
        "list_total": list_total(user=user, kind=kind, params=params, paginator=paginator),
        "filters": filters,
        "counties": _counties(user),
        "query": request.GET.urlencode(),
    }
    return render(request, template, {**context, **extra})


@login_required
@require_GET
@permission_required("enforcement.view_inspections")
def inspection_export(request: HttpRequest) -> HttpResponse:
    """The filtered list as Excel, written by a background job; the person follows the job's page."""
    return start_and_redirect(request, kind=INSPECTIONS_EXPORT, params=params_from_query(request.GET))


@login_required
@require_GET
@permission_required("enforcement.view_inspections")
def inspection_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    insp = sel.inspection_for_user(user, pk)
    items = list(insp.items.prefetch_related("photos"))
    notice = RectificationNotice.objects.filter(inspection=insp).first()
    can_issue = (
        notice is None
        and insp.status == InspectionStatus.DONE
        and any(i.result == ItemResult.FAILED for i in items)
        and can(user, "enforcement.issue_notice", insp)
    )
    return render(
        request,
        "enforcement/inspections/detail.html",
        {
            "inspection": insp,
            "items": items,
            "notice": notice,
            "can_issue": can_issue,
            "issue_form": NoticeIssueForm(),
            "saved": request.GET.get("saved", ""),
            "departments": dict(Department.choices),
            "ads": list(insp.ad_findings.all()),
        },
    )


@login_required
@require_GET
@permission_required("enforcement.view_evidence")
def evidence_photo(request: HttpRequest, pk: int) -> HttpResponse:
    row = sel.evidence_photo_for_user(request_user(request), pk)
    with row.file.open("rb") as fh:
        data = fh.read()
    response = HttpResponse(data, content_type="image/jpeg")
    response["Cache-Control"] = "private, max-age=3600"
    response["X-Content-Type-Options"] = "nosniff"
    return response


# --- signs and ads ----------------------------------------------------------------------------------------------


@login_required
@require_GET
@permission_required("enforcement.view_ads")
def ad_list(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    filters = sel.Filters.from_params(request.GET)
    page = Paginator(sel.ads_for_user(user, filters), 50).get_page(request.GET.get("page"))
    year = timezone.localdate().year
    return render(
        request,
        "enforcement/ads/list.html",
        {
            "page": page,
            "filters": filters,
            "counties": _counties(user),
            "kinds": AdKind.choices,
            "year": year,
            "per_county": sel.ad_counts_per_county(user, year),
            "removed_form": RemovedForm(initial={"removed_on": timezone.localdate()}),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
@permission_required("enforcement.record_ad")
def ad_new(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    counties = _counties(user)
    form = AdFindingForm(request.POST or None, initial={"found_on": timezone.localdate()})
    county = request.POST.get("division_code") or (counties[0].code if counties else "")
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        if not any(c.code == county for c in counties):
            form.add_error(None, _("请选择所在县区。"))
        else:
            try:
                svc.ad_finding_record(
                    actor=user,
                    division_code=county,
                    kind=d["kind"],
                    place=d["place"],
                    found_on=d["found_on"],
                    subject_name=d["subject_name"],
                    removed=d["removed"],
                    removed_on=d["removed_on"],
                    note=d["note"],
                    photos=request.FILES.getlist("photos"),
                )
            except ValidationError as exc:
                _attach(form, exc)
            else:
                messages.success(request, _("违规广告标识已登记。"))
                return redirect("enforcement:ad_list")
    return render(
        request,
        "enforcement/ads/new.html",
        {"form": form, "counties": counties, "county": county},
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
@permission_required("enforcement.record_ad")
def ad_removed(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    finding = sel.ad_for_user(user, pk)
    form = RemovedForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请填写清理日期。"))
    else:
        try:
            svc.ad_finding_removed(actor=user, finding=finding, removed_on=form.cleaned_data["removed_on"])
        except ValidationError as exc:
            messages.error(request, "；".join(exc.messages))
        else:
            messages.success(request, _("已登记清理。"))
    return redirect("enforcement:ad_list")
