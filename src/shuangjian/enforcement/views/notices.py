"""Rectification notice pages: regulators' and inspectors' list, record, moves, Word download and summons;
the institution operator's own notices and inspection results, and its answer with evidence."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from shuangjian.core.access import request_user
from shuangjian.core.export_views import start_and_redirect
from shuangjian.core.exports import params_from_query
from shuangjian.core.permissions import can, permission_required

from .. import inspection_selectors as sel
from .. import notice_workflow as wf
from .. import notices as svc
from ..documents import rectification_notice_docx
from ..exports import NOTICE_COUNT
from ..exports import NOTICES as NOTICES_EXPORT
from ..inspection_forms import AnswerForm, NoticeIssueForm, ReasonForm, SummonsForm
from ..models import NoticeStatus, RectificationNotice
from .inspections import _attach, render_capped_list

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _docx_response(notice: RectificationNotice) -> HttpResponse:
    from urllib.parse import quote

    response = HttpResponse(rectification_notice_docx(notice), content_type=DOCX)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(notice.number)}.docx"
    return response


@login_required
@require_POST
@permission_required("enforcement.issue_notice")
def notice_issue(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    insp = sel.inspection_for_user(user, pk)
    form = NoticeIssueForm(request.POST)
    form.is_valid()
    waive = {k[len("waive_") :]: str(v) for k, v in request.POST.items() if k.startswith("waive_") and str(v).strip()}
    try:
        notice = svc.notice_issue(
            actor=user, inspection=insp, requirements=form.cleaned_data.get("requirements", ""), waive=waive
        )
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
        return redirect("enforcement:inspection_detail", pk=insp.pk)
    messages.success(request, _("整改通知书已下达：%(n)s") % {"n": notice.number})
    return redirect("enforcement:notice_detail", pk=notice.pk)


@login_required
@require_GET
@permission_required("enforcement.view_notices")
def notice_list(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    filters = sel.Filters.from_params(request.GET)
    return render_capped_list(
        request,
        "enforcement/notices/list.html",
        kind=NOTICE_COUNT,
        rows=sel.notice_list_for_user(user, filters),
        filters=filters,
        extra={
            "statuses": [*NoticeStatus.choices, ("overdue", _("已逾期"))],
            "today": timezone.localdate(),
            "warn_day": sel.warning_day(),
        },
    )


@login_required
@require_GET
@permission_required("enforcement.view_notices")
def notice_export(request: HttpRequest) -> HttpResponse:
    """The filtered list as Excel, written by a background job; the person follows the job's page."""
    return start_and_redirect(request, kind=NOTICES_EXPORT, params=params_from_query(request.GET))


def _notice_context(notice: RectificationNotice) -> dict[str, Any]:
    return {
        "notice": notice,
        "items": list(notice.items.all()),
        "answers": list(notice.answers.prefetch_related("photos", "files")),
        "summonses": list(notice.summonses.all()),
        "overdue": svc.notice_overdue(notice),
        "today": timezone.localdate(),
    }


@login_required
@require_GET
@permission_required("enforcement.view_notices")
def notice_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    notice = sel.notice_for_user(user, pk)
    ctx = _notice_context(notice)
    ctx.update(
        {
            "buttons": [t for t in svc.notice_buttons(user, notice) if t.actor != wf.OPERATOR],
            "reason_form": ReasonForm(),
            "summons_form": SummonsForm(initial={"held_on": timezone.localdate()}),
            "can_summon": can(user, "enforcement.record_summons", notice),
            "can_file_case": notice.status == NoticeStatus.ESCALATED
            and notice.institution_id is not None
            and can(user, "enforcement.file_case", notice),
        }
    )
    return render(request, "enforcement/notices/detail.html", ctx)


@login_required
@require_POST
@permission_required("enforcement.follow_up_notice")
def notice_action(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    notice = sel.notice_for_user(user, pk)
    action = request.POST.get("action", "")
    form = ReasonForm(request.POST)
    form.is_valid()
    try:
        if action == "follow_up":
            follow = svc.notice_follow_up(actor=user, notice=notice)
            messages.success(request, _("已安排复查。"))
            return redirect("enforcement:inspection_record", pk=follow.pk)
        if action == "escalate":
            svc.notice_escalate(actor=user, notice=notice, reason=form.cleaned_data.get("reason", ""))
            messages.success(request, _("已转立案查处。"))
        else:
            wf.transition(notice.status, action)  # an unknown or impossible move: the table's refusal
            messages.error(request, _("不能执行此操作。"))
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    return redirect("enforcement:notice_detail", pk=notice.pk)


@login_required
@require_POST
@permission_required("enforcement.record_summons")
def notice_summons(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    notice = sel.notice_for_user(user, pk)
    form = SummonsForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请填写约谈日期、参加人员和纪要。"))
    else:
        try:
            svc.summons_record(actor=user, notice=notice, **form.cleaned_data)
        except ValidationError as exc:
            messages.error(request, "；".join(exc.messages))
        else:
            messages.success(request, _("约谈已登记。"))
    return redirect("enforcement:notice_detail", pk=notice.pk)


@login_required
@require_GET
@permission_required("enforcement.view_notices")
def notice_docx(request: HttpRequest, pk: int) -> HttpResponse:
    return _docx_response(sel.notice_for_user(request_user(request), pk))


# --- the institution operator ---------------------------------------------------------------------------------


@login_required
@require_GET
@permission_required("enforcement.view_own_enforcement")
def my_notices(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    return render(
        request,
        "enforcement/notices/my_list.html",
        {
            "notices": list(sel.own_notices(user)[:200]),
            "inspections": list(sel.own_inspections(user).prefetch_related("items")[:50]),
            "today": timezone.localdate(),
            "warn_day": sel.warning_day(),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
@permission_required("enforcement.view_own_enforcement")
def my_notice_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    notice = sel.own_notice(user, pk)
    form = AnswerForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            svc.notice_answer(
                actor=user,
                notice=notice,
                text=form.cleaned_data["text"],
                photos=request.FILES.getlist("photos"),
                files=request.FILES.getlist("files"),
            )
        except ValidationError as exc:
            _attach(form, exc)
        else:
            messages.success(request, _("整改情况已提交。"))
            return redirect("enforcement:my_notice_detail", pk=notice.pk)
    ctx = _notice_context(notice)
    ctx.update({"form": form, "can_answer": bool(wf.buttons(notice.status, wf.OPERATOR))})
    return render(request, "enforcement/notices/my_detail.html", ctx, status=400 if form.errors else 200)


@login_required
@require_GET
@permission_required("enforcement.view_own_enforcement")
def my_notice_docx(request: HttpRequest, pk: int) -> HttpResponse:
    return _docx_response(sel.own_notice(request_user(request), pk))
