"""Public portal pages (no sign-in): home, institution query, institution page, white and black lists, and the
regulators' published announcements, policies, news and bulletins."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.conf import settings
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from shuangjian.core.uploads import KINDS
from shuangjian.enforcement.selectors import publication_of, published_cases
from shuangjian.oversight import bulletins as oversight_bulletins
from shuangjian.registry import exports
from shuangjian.registry.models import ListKind, ListPublication
from shuangjian.staff.selectors import public_trainers_for_institution

from . import content, selectors
from .home import entry_links
from .models import ArticleKind, Attachment
from .ratelimit import check_rate

View = Callable[..., HttpResponseBase]


def rate_limited_page(view: View) -> View:
    """Over the per-IP limit, a Chinese 429 page with Retry-After instead of the page."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponseBase:
        retry = check_rate(request)
        if retry is not None:
            response = render(request, "portal/429.html", {"retry_after": retry}, status=429)
            response["Retry-After"] = str(retry)
            return response
        return view(request, *args, **kwargs)

    return wrapper


def _division(request: HttpRequest) -> str:
    """The county picked from the list's picker; anything else (a typed code, a name) means every county."""
    value = (request.GET.get("division") or "").strip()
    return value if value in dict(selectors.public_counties()) else ""


@require_GET
@rate_limited_page
def home(request: HttpRequest) -> HttpResponse:
    county = content.public_county(request.GET.get("county"))
    return render(
        request,
        "portal/home.html",
        {
            "county": county,
            "counties": content.content_counties(),
            "entries": entry_links(),
            "sections": content.home_sections(county=county),
            "contacts": content.public_contacts(county=county),
            "publications": selectors.latest_publications()[:6],
        },
    )


@require_GET
@rate_limited_page
def search(request: HttpRequest) -> HttpResponse:
    q = selectors.normalise_query(request.GET.get("q", ""))
    too_short = 0 < len(q) < selectors.SEARCH_MIN_CHARS
    profiles = []
    totals = None
    if q and not too_short:
        result = selectors.search_page(q)
        found, totals = result.institutions, result.totals
        names = selectors.division_names_for(found)
        flags = selectors.list_flags(found)
        labels = selectors.labels_for_language()
        profiles = [selectors.public_profile(i, division_names=names, flags=flags[i.pk], labels=labels) for i in found]
    return render(
        request,
        "portal/search.html",
        {"q": q, "profiles": profiles, "totals": totals, "too_short": too_short, "searched": bool(q)},
    )


@require_GET
@rate_limited_page
def institution(request: HttpRequest, uscc: str) -> HttpResponse:
    inst = selectors.institution_by_uscc(uscc)
    profile = selectors.public_profile(inst)
    return render(request, "portal/institution.html", {"p": profile, "trainers": public_trainers_for_institution(inst)})


@require_GET
@rate_limited_page
def whitelist(request: HttpRequest) -> HttpResponse:
    q = selectors.normalise_query(request.GET.get("q", ""))
    division = _division(request)
    page = Paginator(selectors.public_whitelist(q=q, division=division), 30).get_page(request.GET.get("page"))
    page.object_list = selectors.with_summaries(list(page.object_list))
    return render(
        request,
        "portal/whitelist.html",
        {
            "page": page,
            "q": q,
            "division": division,
            "counties": selectors.public_counties(),
            "publications": selectors.latest_publications(),
        },
    )


@require_GET
@rate_limited_page
def blacklist(request: HttpRequest) -> HttpResponse:
    division = _division(request)
    page = Paginator(selectors.public_blacklist(division=division), 30).get_page(request.GET.get("page"))
    entries = list(page.object_list)
    selectors.with_summaries([e.institution for e in entries])
    page.object_list = entries
    return render(
        request,
        "portal/blacklist.html",
        {
            "page": page,
            "division": division,
            "counties": selectors.public_counties(),
            "publications": selectors.latest_publications(),
        },
    )


@require_GET
@rate_limited_page
def exposure(request: HttpRequest) -> HttpResponse:
    """违规曝光台: decided penalty cases the regulators published (enforcement's publication fields only)."""
    division = _division(request)
    page = Paginator(published_cases(division=division), 20).get_page(request.GET.get("page"))
    rows = [publication_of(c) for c in page.object_list]
    return render(
        request,
        "portal/exposure.html",
        {"page": page, "rows": rows, "division": division, "counties": selectors.public_counties()},
    )


@require_GET
@rate_limited_page
def publication(request: HttpRequest, pk: int) -> HttpResponse:
    pub = get_object_or_404(ListPublication, pk=pk)
    kind = request.GET.get("kind") or ""
    kind = kind if kind in ListKind.values else ListKind.WHITE
    page = Paginator(selectors.publication_rows(pub, kind), 30).get_page(request.GET.get("page"))
    return render(request, "portal/publication.html", {"publication": pub, "kind": kind, "page": page})


@require_GET
@rate_limited_page
def publication_export(request: HttpRequest, pk: int, kind: str) -> HttpResponseBase:
    pub = get_object_or_404(ListPublication, pk=pk)
    if kind not in ListKind.values:
        raise Http404
    label = "白名单" if kind == ListKind.WHITE else "黑名单"
    return exports.xlsx_response(exports.publication_xlsx(pub, kind), f"{pub.year}-{pub.division_code}-{label}.xlsx")


# --- announcements, policies, news, bulletins ------------------------------------------------------------------


@require_GET
@rate_limited_page
def article_section(request: HttpRequest, kind: str) -> HttpResponse:
    """One section's published items, newest first, the chosen county's with the city's and province's."""
    county = content.public_county(request.GET.get("county"))
    items = content.public_articles(county=county, kind=kind)
    page = Paginator(items, int(settings.PORTAL_PAGE_SIZE)).get_page(request.GET.get("page"))
    page.object_list = list(page.object_list)
    names = content.division_names({a.division_code for a in page.object_list})
    for item in page.object_list:
        item.division_name = names.get(item.division_code, "")  # type: ignore[attr-defined]
    return render(
        request,
        "portal/articles/section.html",
        {
            "kind": kind,
            "kind_label": ArticleKind(kind).label,
            "kinds": ArticleKind.choices,
            "page": page,
            "county": county,
            "counties": content.content_counties(),
            # Bulletins drafted from data are published by oversight; they join the section's own articles.
            "bulletins": list(oversight_bulletins.bulletins_published(county)[:20])
            if kind == ArticleKind.BULLETIN
            else [],
        },
    )


@require_GET
@rate_limited_page
def bulletin(request: HttpRequest, pk: int) -> HttpResponse:
    """A published bulletin drafted from data (oversight), under the 工作简报 section."""
    b = oversight_bulletins.bulletin_published_or_404(pk)
    return render(request, "oversight/bulletins/public.html", oversight_bulletins.bulletin_page(b))


@require_GET
@rate_limited_page
def article(request: HttpRequest, pk: int) -> HttpResponse:
    item = content.public_article_or_404(pk)
    names = content.division_names({item.division_code})
    return render(
        request,
        "portal/articles/article.html",
        {"article": item, "division_name": names.get(item.division_code, "")},
    )


def attachment_response(attachment: Attachment) -> FileResponse:
    """The file as a download under its own name, typed by the kind its content was checked to be.

    ``attachment`` and ``nosniff`` keep a browser from rendering the bytes in the platform's origin.
    """
    kind = KINDS.get(attachment.kind)
    try:
        handle = attachment.file.open("rb")
    except FileNotFoundError as exc:
        raise Http404 from exc
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=attachment.name,
        content_type=kind.content_type if kind else "application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


@require_GET
@rate_limited_page
def article_attachment(request: HttpRequest, pk: int, attachment_pk: int) -> HttpResponseBase:
    return attachment_response(content.public_attachment_or_404(pk, attachment_pk))
