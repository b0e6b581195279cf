"""Bulletin pages: the regulator's list, drafting from a period, editing the text, preview with charts,
publishing, revising and the Word file. Reads go through the scoped selectors, writes through the services."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from shuangjian.core.access import request_user
from shuangjian.core.permissions import can, permission_required

from .. import bulletins as svc
from ..bulletin_documents import bulletin_docx as build_docx
from ..bulletin_forms import BulletinDraftForm, BulletinEditForm
from ..models import Bulletin, BulletinStatus


def _show_refusal(form: Any, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for name, errors in exc.message_dict.items():
            for message in errors:
                form.add_error(name if name in form.fields else None, message)
    else:
        for message in exc.messages:
            form.add_error(None, message)


@login_required
@require_GET
@permission_required("oversight.view_bulletins")
def bulletin_list(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    status = request.GET.get("status", "")
    page = Paginator(svc.bulletins_for_user(user, status=status), 30).get_page(request.GET.get("page"))
    return render(
        request,
        "oversight/bulletins/list.html",
        {
            "page": page,
            "status": status,
            "statuses": BulletinStatus.choices,
            "can_draft": can(user, "oversight.draft_bulletin"),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
@permission_required("oversight.draft_bulletin")
def bulletin_new(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    divisions = [(d.code, d.name) for d in svc.issuer_divisions_for_user(user)]
    form = BulletinDraftForm(request.POST or None, divisions=divisions)
    if request.method == "POST" and form.is_valid():
        try:
            b = svc.bulletin_draft(actor=user, **form.cleaned_data)
        except ValidationError as exc:
            _show_refusal(form, exc)
        else:
            messages.success(request, _("已根据统计期数据起草简报，请修改文字后发布。"))
            return redirect("oversight:bulletin_detail", pk=b.pk)
    return render(request, "oversight/bulletins/new.html", {"form": form})


@login_required
@require_GET
@permission_required("oversight.view_bulletins")
def bulletin_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    b = svc.bulletin_for_user(user, pk)
    return render(
        request,
        "oversight/bulletins/detail.html",
        {
            **svc.bulletin_page(b),
            "can_edit": can(user, "oversight.edit_bulletin", b),
            "revisions": list(b.revisions.order_by("-pk")),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
@permission_required("oversight.draft_bulletin")
def bulletin_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    b = svc.bulletin_for_user(user, pk)
    if not can(user, "oversight.edit_bulletin", b) or not b.is_draft:
        messages.error(request, _("已发布的简报不能修改，请起草修订版。"))
        return redirect("oversight:bulletin_detail", pk=b.pk)
    form = BulletinEditForm(request.POST or None, instance=Bulletin.objects.get(pk=b.pk))
    if request.method == "POST" and form.is_valid():
        try:
            svc.bulletin_edit(actor=user, bulletin=b, **form.cleaned_data)
        except ValidationError as exc:
            _show_refusal(form, exc)
        else:
            messages.success(request, _("已保存。"))
            return redirect("oversight:bulletin_detail", pk=b.pk)
    return render(request, "oversight/bulletins/edit.html", {"b": b, "form": form})


@login_required
@require_POST
@permission_required("oversight.draft_bulletin")
def bulletin_publish(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    b = svc.bulletin_for_user(user, pk)
    try:
        b = svc.bulletin_publish(actor=user, bulletin=b)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("已发布：%(number)s") % {"number": b.number})
    return redirect("oversight:bulletin_detail", pk=b.pk)


@login_required
@require_POST
@permission_required("oversight.draft_bulletin")
def bulletin_revise(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    b = svc.bulletin_for_user(user, pk)
    try:
        draft = svc.bulletin_revise(actor=user, bulletin=b)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("oversight:bulletin_detail", pk=b.pk)
    messages.success(request, _("已起草修订版，修改后发布即替代原简报。"))
    return redirect("oversight:bulletin_edit", pk=draft.pk)


@login_required
@require_GET
@permission_required("oversight.view_bulletins")
def bulletin_docx(request: HttpRequest, pk: int) -> HttpResponse:
    b = svc.bulletin_for_user(request_user(request), pk)
    response = HttpResponse(
        build_docx(b), content_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    )
    name = f"{b.get_series_display()}{b.number or _('草稿')}.docx"
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name)}"
    return response
