"""Regulator pages for the white and black lists, their Excel exports, and the yearly publication."""

from __future__ import annotations

import hashlib

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from shuangjian.core.access import request_user
from shuangjian.core.exact_counts import EXACT_PARAM, EXACT_VALUE, list_total
from shuangjian.core.export_views import exact_count_start_and_return, start_and_redirect
from shuangjian.core.nav import NavItem, register
from shuangjian.core.pagination import CappedCountPaginator
from shuangjian.core.permissions import permission_required

from .. import exports, lists
from ..models import ListKind, ListPublicationRow

register(NavItem(gettext_lazy("白名单"), "registry:whitelist", order=240, permission="registry.view_lists"))
register(NavItem(gettext_lazy("黑名单"), "registry:blacklist", order=241, permission="registry.view_lists"))
register(NavItem(gettext_lazy("名单发布"), "registry:publications", order=242, permission="registry.view_publications"))


class CachedCappedCountPaginator(CappedCountPaginator):
    """``CappedCountPaginator`` whose capped count is kept a minute per query and page depth.

    Counting even a capped white list checks institutions against every rule; the rows of one page are cheap. A
    total up to a minute old is fine on a list page, and the exact figure past the cap is a job (core.exact_counts).
    """

    def count_rows(self, limit: int) -> int:
        query = getattr(self.object_list, "query", None)
        if query is None:
            return super().count_rows(limit)
        key = f"registry:count:{limit}:" + hashlib.sha256(str(query).encode()).hexdigest()
        value = cache.get(key)
        if value is None:
            value = super().count_rows(limit)
            cache.set(key, value, COUNT_CACHE_SECONDS)
        return int(value)


COUNT_CACHE_SECONDS = 60
# The white list counts this far on the page; past it "超过 1,000 家" and the exact total on request, as a job.
WHITELIST_COUNT_CAP = 1000


def _params(request: HttpRequest) -> tuple[str, str]:
    q = (request.GET.get("q") or "").strip()[:64]
    division = (request.GET.get("division") or "").strip()
    return q, division if division.isdigit() else ""


@login_required
@require_GET
@permission_required("registry.view_lists")
def whitelist(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    q, division = _params(request)
    params = exports.whitelist_count_params(q=q, division=division)
    if request.GET.get(EXACT_PARAM) == EXACT_VALUE:  # the exact total checks every institution in reach: a job's work
        return exact_count_start_and_return(request, kind=exports.WHITELIST_COUNT, params=params)
    rows = lists.whitelist_rows_for_user(user=user, q=q, division=division)
    paginator = CachedCappedCountPaginator(rows, 50, cap=WHITELIST_COUNT_CAP)
    page = paginator.get_page(request.GET.get("page"))
    return render(
        request,
        "registry/lists/whitelist.html",
        {
            "page": page,
            "q": q,
            "division": division,
            "list_total": list_total(user=user, kind=exports.WHITELIST_COUNT, params=params, paginator=paginator),
        },
    )


@login_required
@require_GET
@permission_required("registry.view_lists")
def whitelist_export(request: HttpRequest) -> HttpResponse:
    """The filtered white list as Excel, written by a background job; the person follows the job's page."""
    q, division = _params(request)
    return start_and_redirect(request, kind=exports.WHITELIST_EXPORT, params={"q": q, "division": division})


@login_required
@require_GET
@permission_required("registry.view_lists")
def blacklist(request: HttpRequest) -> HttpResponse:
    q, division = _params(request)
    qs = lists.blacklist_for_user(user=request_user(request), q=q, division=division)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    return render(request, "registry/lists/blacklist.html", {"page": page, "q": q, "division": division})


@login_required
@require_GET
@permission_required("registry.view_lists")
def blacklist_export(request: HttpRequest) -> HttpResponse:
    """The filtered black list as Excel, written by a background job; the person follows the job's page."""
    q, division = _params(request)
    return start_and_redirect(request, kind=exports.BLACKLIST_EXPORT, params={"q": q, "division": division})


class PublishForm(forms.Form):
    year = forms.IntegerField(label=gettext_lazy("年度"), min_value=2000, max_value=2100)
    division_code = forms.CharField(label=gettext_lazy("发布区划代码（市 4 位或县区 6 位）"), max_length=6)
    note = forms.CharField(label=gettext_lazy("说明"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


@login_required
@permission_required("registry.view_publications")
def publications(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    qs = lists.publications_for_user(user=user)
    form = PublishForm(initial={"year": timezone.localdate().year, "division_code": user.scope_code[:6]})
    page = Paginator(qs, 20).get_page(request.GET.get("page"))
    return render(request, "registry/lists/publications.html", {"page": page, "form": form})


@login_required
@require_POST
@permission_required("registry.publish_lists")
def publish(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    form = PublishForm(request.POST)
    if form.is_valid():
        try:
            publication = lists.list_publish(
                actor=user,
                year=form.cleaned_data["year"],
                division_code=form.cleaned_data["division_code"],
                note=form.cleaned_data["note"],
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(
                request,
                _("已发布：白名单 %(w)d 家，黑名单 %(b)d 条。")
                % {"w": publication.whitelist_count, "b": publication.blacklist_count},
            )
            return redirect("registry:publication_detail", pk=publication.pk)
    page = Paginator(lists.publications_for_user(user=user), 20).get_page(1)
    return render(request, "registry/lists/publications.html", {"page": page, "form": form}, status=422)


@login_required
@require_GET
@permission_required("registry.view_publications")
def publication_detail(request: HttpRequest, pk: int) -> HttpResponse:
    publication = get_object_or_404(lists.publications_for_user(user=request_user(request)), pk=pk)
    kind = request.GET.get("kind") or ""
    kind = kind if kind in ListKind.values else ListKind.WHITE
    rows = ListPublicationRow.objects.filter(publication=publication, kind=kind).order_by("division_code", "name", "pk")
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    return render(request, "registry/lists/publication.html", {"publication": publication, "page": page, "kind": kind})


@login_required
@require_GET
@permission_required("registry.view_publications")
def publication_export(request: HttpRequest, pk: int, kind: str) -> HttpResponse:
    """A published snapshot as Excel, written by a background job; the person follows the job's page."""
    publication = get_object_or_404(lists.publications_for_user(user=request_user(request)), pk=pk)
    if kind not in ListKind.values:
        raise Http404
    return start_and_redirect(
        request, kind=exports.PUBLICATION_EXPORT, params={"publication": publication.pk, "kind": kind}
    )
