"""The regulator's content pages: write, edit, publish, withdraw and delete items; attachments; report contacts.

Logic lives in ``services`` (checks, audit) and ``content`` (scoped reads); these views parse and answer.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from shuangjian.core.access import request_user
from shuangjian.core.permissions import can, permission_required

from . import content, services
from .forms import ArticleForm, AttachmentForm, ContactForm
from .models import Article, ArticleKind, Attachment, ReportContact
from .views import attachment_response


def add_errors(form: forms.Form, exc: ValidationError) -> None:
    """A service's refusal beside the fields it names (the rest above the form)."""
    if hasattr(exc, "error_dict"):
        for name, errors in exc.error_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, exc)


def _editable(request: HttpRequest, pk: int) -> Article:
    """The item, if the user may change it: out of reach 404, another division's 403."""
    article = content.article_for_user(request_user(request), pk)
    if not can(request.user, "portal.change_article", article):
        raise PermissionDenied
    return article


@permission_required("portal.manage_content")
def article_list(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    kind = request.GET.get("kind", "")
    status = request.GET.get("status", "")
    page = Paginator(content.articles_for_user(user, kind=kind, status=status), 30).get_page(request.GET.get("page"))
    names = content.division_names({a.division_code for a in page.object_list})
    return render(
        request,
        "portal/manage/article_list.html",
        {"page": page, "kind": kind, "status": status, "kinds": ArticleKind.choices, "names": names},
    )


def _form_values(form: ArticleForm) -> dict[str, Any]:
    return {name: form.cleaned_data.get(name) for name in services.ARTICLE_FIELDS}


@permission_required("portal.manage_content")
def article_create(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    admin = user.is_platform_admin
    form = ArticleForm(request.POST or None, admin=admin, initial={"kind": request.GET.get("kind", "")})
    if request.method == "POST" and form.is_valid():
        try:
            article = services.article_create(
                actor=user, **_form_values(form), division_code=form.cleaned_data.get("division_code")
            )
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, _("已保存草稿，发布后公众可见。"))
            return redirect("content:article_detail", article.pk)
    return render(request, "portal/manage/article_form.html", {"form": form, "article": None})


@permission_required("portal.manage_content")
def article_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    article = content.article_for_user(user, pk)
    return render(
        request,
        "portal/manage/article_detail.html",
        {
            "article": article,
            "can_change": can(user, "portal.change_article", article),
            "attachment_form": AttachmentForm(),
            "division_name": content.division_names({article.division_code}).get(article.division_code, ""),
        },
    )


@permission_required("portal.manage_content")
def article_edit(request: HttpRequest, pk: int) -> HttpResponse:
    article = _editable(request, pk)
    initial = {name: getattr(article, name) for name in services.ARTICLE_FIELDS}
    form = ArticleForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.article_update(actor=request_user(request), article=article, **_form_values(form))
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, _("已保存。"))
            return redirect("content:article_detail", article.pk)
    return render(request, "portal/manage/article_form.html", {"form": form, "article": article})


@require_POST
@permission_required("portal.manage_content")
def article_publish(request: HttpRequest, pk: int) -> HttpResponse:
    article = _editable(request, pk)
    services.article_publish(actor=request_user(request), article=article)
    messages.success(request, _("已发布。"))
    return redirect("content:article_detail", article.pk)


@require_POST
@permission_required("portal.manage_content")
def article_unpublish(request: HttpRequest, pk: int) -> HttpResponse:
    article = _editable(request, pk)
    services.article_unpublish(actor=request_user(request), article=article)
    messages.success(request, _("已撤回，公众不再可见。"))
    return redirect("content:article_detail", article.pk)


@require_POST
@permission_required("portal.manage_content")
def article_delete(request: HttpRequest, pk: int) -> HttpResponse:
    article = _editable(request, pk)
    # The form sends confirm=yes: a stray empty POST deletes nothing.
    if request.POST.get("confirm") != "yes":
        return HttpResponseBadRequest(_("请确认删除。"))
    services.article_delete(actor=request_user(request), article=article)
    messages.success(request, _("已删除。"))
    return redirect("content:article_list")


@require_POST
@permission_required("portal.manage_content")
def attachment_add(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    article = _editable(request, pk)
    form = AttachmentForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.attachment_add(actor=user, article=article, file=form.cleaned_data["file"])
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, _("附件已上传。"))
            return redirect("content:article_detail", article.pk)
    return render(
        request,
        "portal/manage/article_detail.html",
        {"article": article, "can_change": True, "attachment_form": form},
        status=400,
    )


def _attachment(request: HttpRequest, pk: int) -> Attachment:
    return content.attachment_for_user(request_user(request), pk)


@require_POST
@permission_required("portal.manage_content")
def attachment_delete(request: HttpRequest, pk: int) -> HttpResponse:
    attachment = _attachment(request, pk)
    if not can(request.user, "portal.change_article", attachment.article):
        raise PermissionDenied
    services.attachment_remove(actor=request_user(request), attachment=attachment)
    messages.success(request, _("附件已删除。"))
    return redirect("content:article_detail", attachment.article_id)


@permission_required("portal.manage_content")
def attachment_download(request: HttpRequest, pk: int) -> FileResponse:
    """Any attachment in reach, published or not (to check a draft before publishing)."""
    return attachment_response(_attachment(request, pk))


@permission_required("portal.manage_contacts")
def contact_list(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    divisions = content.contact_divisions_for_user(user)
    found = content.contacts_by_division([d.code for d in divisions])
    rows = [
        {
            "division": d,
            "contact": found.get(d.code),
            "can_change": can(user, "portal.change_contact", ReportContact(division_code=d.code)),
        }
        for d in divisions
    ]
    return render(request, "portal/manage/contact_list.html", {"rows": rows})


@permission_required("portal.manage_contacts")
def contact_edit(request: HttpRequest, code: str) -> HttpResponseBase:
    user = request_user(request)
    division = content.contact_division_for_user(user, code)
    if not can(user, "portal.change_contact", ReportContact(division_code=division.code)):
        raise PermissionDenied
    current = content.contacts_by_division([division.code]).get(division.code)
    initial = {name: getattr(current, name) for name in services.CONTACT_FIELDS} if current else {}
    form = ContactForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.contact_save(actor=user, division_code=division.code, **form.cleaned_data)
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, _("已保存，门户“举报”栏即显示新的电话和邮箱。"))
            return redirect("content:contact_list")
    return render(request, "portal/manage/contact_form.html", {"form": form, "division": division})
