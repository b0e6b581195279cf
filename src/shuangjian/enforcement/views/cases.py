"""Penalty-case pages: the regulator's list (filters, deadline warnings, Excel), filing, the case page with the
buttons of the procedure table, documents and the calculator's reasoning; the operator's own cases with its
defence and hearing request. Views parse, call a service or selector, render."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from shuangjian.core.access import request_user
from shuangjian.core.export_views import start_and_redirect
from shuangjian.core.exports import params_from_query
from shuangjian.core.models import Division, DivisionLevel, User
from shuangjian.core.permissions import can, permission_required
from shuangjian.core.scope import scope_queryset, user_reach
from shuangjian.registry.models import Institution

from .. import case_documents, case_workflow, cases, rules, selectors
from ..calculator import MEASURE_LABELS, SEVERITY_LABELS, VIOLATION_LABELS
from ..case_filters import filtered_cases
from ..case_forms import (
    ActionForm,
    CaseFileForm,
    ExtendForm,
    HearingNoticeForm,
    ProposeForm,
    TextForm,
)
from ..inspection_selectors import notice_for_user
from ..models import CaseDocumentKind, CaseStage, PenaltyCase
from ..subjects import Subject

S = CaseStage


def _error_text(exc: ValidationError) -> str:
    return "；".join(str(m) for m in exc.messages)


def _run(request: HttpRequest, fn: Callable[[], object], success: str) -> bool:
    try:
        fn()
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
        return False
    messages.success(request, success)
    return True


def _form_errors(request: HttpRequest, form: Any) -> None:
    messages.error(request, "；".join(str(e) for errs in form.errors.values() for e in errs))


def _case_post(
    request: HttpRequest,
    pk: int,
    form_class: type[forms.Form],
    call: Callable[[User, PenaltyCase, dict[str, Any]], object],
    success: str | Callable[[dict[str, Any]], str],
) -> HttpResponse:
    """A button on the case page: the case in the user's scope (else 404), the form checked, the service run; its
    refusal or its success shown as a message on the case page."""
    user = request_user(request)
    case = _case_for(user, pk)
    form = form_class(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
    else:
        f = form.cleaned_data
        _run(request, lambda: call(user, case, f), success if isinstance(success, str) else success(f))
    return redirect("enforcement:case_detail", pk=pk)


def deadlines(case: PenaltyCase, today: datetime.date) -> list[dict[str, Any]]:
    """The deadlines that matter at the case's stage, each with days left (negative: overdue)."""
    out: list[tuple[str, datetime.date]] = []
    if case.stage in (S.FILED, S.INVESTIGATION, S.NOTIFIED, S.HEARING, S.SUSPENDED) and case.decide_by:
        out.append((_("作出处罚决定"), case.decide_by))
    if case.stage == S.NOTIFIED and case.notified_on:
        out.append(
            (
                _("陈述申辩期届满"),
                rules.defence_deadline(case.notified_on, settings.ENFORCEMENT_DEFENCE_WORKING_DAYS),
            )
        )
        if case.hearing_right:
            out.append((_("听证申请期届满"), rules.hearing_request_deadline(case.notified_on)))
    if case.stage == S.DECIDED and case.decided_on:
        out.append((_("送达决定书"), rules.serve_deadline(case.decided_on)))
    if case.stage == S.SERVED and case.served_on and case.fine_fen:
        out.append((_("缴纳罚款"), rules.payment_deadline(case.served_on)))
    return [{"label": label, "date": d, "left": (d - today).days} for label, d in out]


def _counties(user: User) -> list[tuple[str, str]]:
    reach = user_reach(user) or ""
    qs = Division.objects.filter(level=DivisionLevel.COUNTY)
    if reach:
        qs = qs.filter(code__startswith=reach[:6])
    return list(qs.order_by("code").values_list("code", "name")[:300])


# Counting every case in a city grows with the table; beyond this many the list says "more than" instead, so
# page 1 costs the same at 10,000 or 1,000,000 cases (docs/benchmarks.md, Enforcement).
COUNT_CAP = 10_000


class CappedPaginator(Paginator):
    @cached_property
    def count(self) -> int:
        qs: QuerySet[PenaltyCase] = self.object_list  # type: ignore[assignment]
        return qs[: COUNT_CAP + 1].count()


@login_required
@require_GET
@permission_required("enforcement.view_cases")
def case_list(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    today = timezone.localdate()
    qs, form = filtered_cases(user, request.GET, today)
    page = CappedPaginator(qs.only(*LIST_FIELDS), 30).get_page(request.GET.get("page"))
    rows = [(c, deadlines(c, today)) for c in page.object_list]
    overdue = (
        selectors.cases_for_user(user)
        .filter(selectors.cases_overdue_q(today))
        .order_by("-filed_on", "-pk")[: COUNT_CAP + 1]
        .count()
    )
    return render(
        request,
        "enforcement/cases/case_list.html",
        {
            "page": page,
            "rows": rows,
            "form": form,
            "stages": S.choices,
            "counties": _counties(user),
            "overdue_count": min(overdue, COUNT_CAP),
            "overdue_more": overdue > COUNT_CAP,
            "count_more": page.paginator.count > COUNT_CAP,
            "count_cap": COUNT_CAP,
            "export_query": request.GET.urlencode(),
            "can_file": can(user, "enforcement.file_case"),
        },
    )


LIST_FIELDS = (
    "id",
    "filing_no",
    "subject_name",
    "subject_kind",
    "division_code",
    "stage",
    "violation",
    "filed_on",
    "decide_by",
    "notified_on",
    "decided_on",
    "served_on",
    "fine_fen",
    "hearing_right",
    "published_on",
)


@login_required
@require_GET
@permission_required("enforcement.view_cases")
def case_export(request: HttpRequest) -> HttpResponseBase:
    """The filtered list as Excel, written by a background job (enforcement.exports); then the job's page."""
    return start_and_redirect(request, kind="enforcement.cases", params=params_from_query(request.GET))


@login_required
@permission_required("enforcement.file_case")
def case_new(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    institutions = scope_queryset(Institution.objects.all(), user).order_by("name")
    # Filing from an escalated rectification notice (转立案): its institution, number and findings come along.
    notice_pk = request.POST.get("notice") or request.GET.get("notice") or ""
    notice = notice_for_user(user, int(notice_pk)) if notice_pk.isdigit() else None
    initial: dict[str, Any] = {}
    if notice is not None:
        findings = "；".join(f"{i.label}：{i.note}" if i.note else str(i.label) for i in notice.items.all())
        initial = {"institution": notice.institution_id, "source_notice_ref": notice.number, "facts": findings}
    form = CaseFileForm(request.POST or None, institutions=institutions, initial=initial)
    if request.method == "POST" and form.is_valid():
        f = form.cleaned_data
        try:
            case = cases.case_file(
                actor=user,
                subject=Subject.of_institution(f["institution"]),
                violation=f["violation"],
                severity=f["severity"],
                illegal_income_fen=f["illegal_income"],
                act_on=f["act_on"],
                facts=f["facts"],
                in_service_teacher=f["in_service_teacher"],
                obstruction=f["obstruction"],
                serious_harm=f["serious_harm"],
                source_notice_ref=f["source_notice_ref"],
                source_inspection=notice.inspection if notice is not None else None,
            )
        except ValidationError as exc:
            if hasattr(exc, "error_dict"):
                for field, errs in exc.message_dict.items():
                    form.add_error(field if field in form.fields else None, errs)
            else:
                form.add_error(None, exc)
        else:
            messages.success(request, _("已立案：%(n)s") % {"n": case.filing_no})
            return redirect("enforcement:case_detail", pk=case.pk)
    return render(request, "enforcement/cases/case_new.html", {"form": form, "notice": notice})


def _case_for(user: User, pk: int) -> PenaltyCase:
    return get_object_or_404(
        selectors.cases_for_user(user).select_related("institution", "person", "unlicensed", "source_inspection"),
        pk=pk,
    )


@login_required
@require_GET
@permission_required("enforcement.open_case")
def case_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    case = _case_for(user, pk)
    today = timezone.localdate()
    is_regulator = can(user, "enforcement.handle_case", case)
    docs = list(case.documents.all())
    have = {d.kind for d in docs}
    proposal = case.proposal or {}
    propose_form = ProposeForm(
        initial={
            "measures": case.measures or proposal.get("measures", []),
            "fine": (case.fine_fen or proposal.get("fine_min_fen", 0)) / 100,
            "stop_months": case.stop_months or proposal.get("stop_months", 0),
            "restriction_years": case.restriction_years,
            "departure_reason": case.departure_reason,
        }
    )
    return render(
        request,
        "enforcement/cases/case_detail.html",
        {
            "case": case,
            "is_regulator": is_regulator,
            "is_party": can(user, "enforcement.answer_own_case", case),
            "actions": case_workflow.actions_for(case, user),
            "docs": docs,
            "can_issue_notice": is_regulator
            and case.stage == S.INVESTIGATION
            and CaseDocumentKind.NOTICE not in have
            and bool(case.measures),
            "can_issue_hearing_notice": is_regulator
            and case.stage == S.HEARING
            and CaseDocumentKind.HEARING_NOTICE not in have,
            "can_record_hearing": is_regulator
            and case.stage == S.HEARING
            and CaseDocumentKind.HEARING_NOTICE in have
            and not case.hearing_held,
            "can_propose": is_regulator and case.stage in (S.FILED, S.INVESTIGATION),
            "can_defend": case.stage == S.NOTIFIED,
            "can_extend": is_regulator and case.stage in (S.FILED, S.INVESTIGATION, S.NOTIFIED, S.HEARING, S.SUSPENDED),
            "can_publish": can(user, "enforcement.publish_case", case)
            and case.stage in (S.SERVED, S.EXECUTED, S.CLOSED),
            "propose_form": propose_form,
            "hearing_form": HearingNoticeForm(),
            "extend_form": ExtendForm(),
            "deadlines": deadlines(case, today),
            "proposal": proposal,
            "proposal_measures": "、".join(str(MEASURE_LABELS.get(m, m)) for m in proposal.get("measures", [])),
            "measures_text": case_documents.measures_text(case),
            "violation_label": str(VIOLATION_LABELS.get(case.violation, case.violation)),
            "severity_label": str(SEVERITY_LABELS.get(case.severity, case.severity)),
            "steps": _steps(case),
            "fine_range": "{}–{}".format(
                case_documents.yuan(proposal.get("fine_min_fen", 0)),
                case_documents.yuan(proposal.get("fine_max_fen", 0)),
            ),
            "surcharge_yuan": case_documents.yuan(case.surcharge_fen),
            "publication": selectors.publication_of(case) if case.published_on else None,
            "today": today,
        },
    )


def _steps(case: PenaltyCase) -> list[Any]:
    steps = list(case.steps.select_related("actor"))
    for s in steps:
        s.label = case_workflow.step_label(s.action) if s.action != "file" else _("立案")  # type: ignore[attr-defined]
        if s.action == "extend":
            s.label = _("延长办案期限")  # type: ignore[attr-defined]
    return steps


@login_required
@require_POST
@permission_required("enforcement.open_case")
def case_action(request: HttpRequest, pk: int) -> HttpResponse:
    return _case_post(
        request,
        pk,
        ActionForm,
        lambda user, case, f: cases.case_transition(
            actor=user, case=case, action=f["action"], reason=f["reason"], on=f["on"]
        ),
        lambda f: _("已完成：%(a)s") % {"a": case_workflow.step_label(f["action"])},
    )


@login_required
@require_POST
@permission_required("enforcement.view_cases")
def case_propose(request: HttpRequest, pk: int) -> HttpResponse:
    return _case_post(
        request,
        pk,
        ProposeForm,
        lambda user, case, f: cases.case_propose(
            actor=user,
            case=case,
            measures=f["measures"],
            fine_fen=f["fine"],
            confiscated_fen=f["confiscated"],
            stop_months=f["stop_months"] or 0,
            restriction_years=f["restriction_years"] or 0,
            departure_reason=f["departure_reason"],
        ),
        _("已保存拟处罚措施。"),
    )


@login_required
@require_POST
@permission_required("enforcement.view_cases")
def case_document_issue(request: HttpRequest, pk: int, kind: str) -> HttpResponse:
    user = request_user(request)
    case = _case_for(user, pk)
    if kind not in (CaseDocumentKind.NOTICE, CaseDocumentKind.HEARING_NOTICE):
        raise Http404
    hearing_on = None
    if kind == CaseDocumentKind.HEARING_NOTICE:
        form = HearingNoticeForm(request.POST)
        if not form.is_valid():
            _form_errors(request, form)
            return redirect("enforcement:case_detail", pk=pk)
        hearing_on = form.cleaned_data["hearing_on"]
    _run(
        request,
        lambda: cases.case_document_issue(actor=user, case=case, kind=kind, hearing_on=hearing_on),
        _("已制作%(d)s。") % {"d": CaseDocumentKind(kind).label},
    )
    return redirect("enforcement:case_detail", pk=pk)


@login_required
@require_GET
@permission_required("enforcement.open_case")
def case_document(request: HttpRequest, pk: int, doc_pk: int) -> HttpResponse:
    user = request_user(request)
    case = _case_for(user, pk)
    doc = get_object_or_404(case.documents.select_related("case"), pk=doc_pk)
    response = HttpResponse(
        case_documents.case_docx(doc),
        content_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    )
    from django.utils.http import content_disposition_header

    response["Content-Disposition"] = (
        content_disposition_header(True, f"{doc.get_kind_display()}-{doc.number}.docx") or ""
    )
    return response


@login_required
@require_POST
@permission_required("enforcement.open_case")
def case_defence(request: HttpRequest, pk: int) -> HttpResponse:
    return _case_post(
        request,
        pk,
        TextForm,
        lambda user, case, f: cases.case_defence_file(actor=user, case=case, text=f["text"]),
        _("已提交陈述申辩意见。"),
    )


@login_required
@require_POST
@permission_required("enforcement.view_cases")
def case_hearing(request: HttpRequest, pk: int) -> HttpResponse:
    return _case_post(
        request,
        pk,
        TextForm,
        lambda user, case, f: cases.case_hearing_record(actor=user, case=case, record=f["text"]),
        _("已登记听证。"),
    )


@login_required
@require_POST
@permission_required("enforcement.view_cases")
def case_extend(request: HttpRequest, pk: int) -> HttpResponse:
    return _case_post(
        request,
        pk,
        ExtendForm,
        lambda user, case, f: cases.case_extend(actor=user, case=case, days=f["days"], reason=f["reason"]),
        _("已延长办案期限。"),
    )


@login_required
@require_POST
@permission_required("enforcement.view_cases")
def case_publish(request: HttpRequest, pk: int) -> HttpResponse:
    return _case_post(
        request,
        pk,
        TextForm,
        lambda user, case, f: cases.case_publish(actor=user, case=case, summary=f["text"]),
        _("已在违规曝光台公开。"),
    )


@login_required
@require_GET
@permission_required("enforcement.view_own_enforcement")
def my_cases(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    today = timezone.localdate()
    qs = selectors.cases_for_user(user).order_by("-filed_on", "-pk")
    rows = [(c, deadlines(c, today)) for c in qs[:200]]
    return render(request, "enforcement/cases/my_cases.html", {"rows": rows})
