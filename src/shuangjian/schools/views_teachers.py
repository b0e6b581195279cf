"""Pages of in-service teachers: the school's pledges (with the teacher's public signing page) and the cases."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from shuangjian.core.access import request_user
from shuangjian.core.context import current_ip
from shuangjian.core.permissions import can, permission_required

from . import selectors, teachers
from .forms import CaseAnswerForm, CaseDecideForm, PaperPledgeForm, PledgeSignForm
from .models import CaseStatus


@login_required
@permission_required("schools.manage_pledges")
def pledge_list(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    school = selectors.require_school(user)
    year = timezone.localdate().year
    pledges = list(selectors.pledges_for_user(user).filter(school=school, year=year).order_by("signed_at", "name"))
    for p in pledges:
        p.link = request.build_absolute_uri(  # type: ignore[attr-defined]
            reverse("schools:pledge_sign", args=[teachers.pledge_token(p)])
        )
    unsigned = [p for p in pledges if not p.is_signed]
    return render(
        request,
        "schools/pledge_list.html",
        {"school": school, "year": year, "pledges": pledges, "unsigned": unsigned, "paper_form": PaperPledgeForm()},
    )


@login_required
@permission_required("schools.manage_pledges")
@require_POST
def pledges_prepare(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    school = selectors.require_school(user)
    n = teachers.pledges_prepare(actor=user, school=school, year=timezone.localdate().year)
    messages.success(request, ngettext("已为 %(n)d 名教师生成承诺书。", "已为 %(n)d 名教师生成承诺书。", n) % {"n": n})
    return redirect("schools:pledge_list")


@login_required
@permission_required("schools.manage_pledges")
def pledge_docx(request: HttpRequest, pk: int) -> HttpResponse:
    pledge = get_object_or_404(selectors.pledges_for_user(request_user(request)), pk=pk)
    response = HttpResponse(
        teachers.pledge_docx(pledge),
        content_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    )
    filename = _("承诺书-%(name)s-%(y)s.docx") % {"name": pledge.name, "y": pledge.year}
    response["Content-Disposition"] = content_disposition_header(True, filename) or "attachment"
    return response


@login_required
@permission_required("schools.manage_pledges")
@require_POST
def pledge_paper(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    pledge = get_object_or_404(selectors.pledges_for_user(user), pk=pk)
    form = PaperPledgeForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            teachers.pledge_record_paper(actor=user, pledge=pledge, scan=form.cleaned_data.get("scan"))
        except ValidationError as exc:
            messages.error(request, exc.messages[0])
        else:
            messages.success(request, _("已登记 %(name)s 的纸质承诺书。") % {"name": pledge.name})
    else:
        messages.error(request, _("扫描件有误，未登记。"))
    return redirect("schools:pledge_list")


def pledge_sign(request: HttpRequest, token: str) -> HttpResponse:
    """Public: the teacher opens the link the school handed out and signs (no account needed)."""
    pledge = teachers.pledge_from_token(token)
    form = PledgeSignForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                pledge = teachers.pledge_sign_online(
                    pledge=pledge,
                    name=form.cleaned_data["name"],
                    id_last4=form.cleaned_data["id_last4"],
                    ip=current_ip.get(),
                )
            except ValidationError as exc:
                form.add_error(None, exc.messages[0])
                status = 422
            else:
                return redirect("schools:pledge_sign", token=token)
        else:
            status = 422
    text = teachers.pledge_text(pledge)
    return render(request, "schools/pledge_sign.html", {"pledge": pledge, "form": form, "text": text}, status=status)


# --- cases ---------------------------------------------------------------------------------------------------------


@login_required
@permission_required("schools.view_cases")
def case_list(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    cases = selectors.cases_for_user(user)
    state = request.GET.get("state", "open")
    if state == "open":
        cases = cases.filter(~Q(status=CaseStatus.CLOSED))
    return render(request, "schools/case_list.html", {"cases": cases[:300], "state": state})


@login_required
@permission_required("schools.view_cases")
def case_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    case = get_object_or_404(selectors.cases_for_user(user), pk=pk)
    answer_form = CaseAnswerForm(initial={"answer": case.school_answer})
    decide_form = CaseDecideForm()
    status = 200
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "answer" and can(user, "schools.answer_cases"):
                answer_form = CaseAnswerForm(request.POST)
                if answer_form.is_valid():
                    teachers.case_answer(actor=user, case=case, answer=answer_form.cleaned_data["answer"])
                    messages.success(request, _("说明已提交。"))
                    return redirect("schools:case_detail", pk=case.pk)
            elif action == "decide" and can(user, "schools.decide_cases"):
                decide_form = CaseDecideForm(request.POST)
                if decide_form.is_valid():
                    d = decide_form.cleaned_data
                    teachers.case_decide(actor=user, case=case, outcome=d["outcome"], note=d["note"])
                    messages.success(request, _("认定结果已记录。"))
                    return redirect("schools:case_detail", pk=case.pk)
            else:
                messages.error(request, _("无法处理该操作。"))
        except ValidationError as exc:
            messages.error(request, exc.messages[0])
        status = 422
    return render(
        request,
        "schools/case_detail.html",
        {
            "case": case,
            "answer_form": answer_form,
            "decide_form": decide_form,
            "overdue": case.status == CaseStatus.AWAITING_SCHOOL and case.answer_due < timezone.localdate(),
        },
        status=status,
    )
