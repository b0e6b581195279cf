"""Reads of the portal's content: what the public sees (published, by county) and what a regulator manages.

The public of a county sees its county's items and those of the city and province above it (division codes
nest by prefix); with no county chosen, every published item. Unpublished items, or items whose publish date
has not come, do not exist for the public (404).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.models import AnonymousUser
from django.db.models import Q, QuerySet
from django.http import Http404

from shuangjian.core.models import Division, DivisionLevel, User
from shuangjian.core.scope import get_in_scope_or_404, scope_queryset
from shuangjian.registry.lists import today_local
from shuangjian.registry.models import Institution

from .models import Article, ArticleKind, Attachment, ReportContact

# Lengths of the nested division codes: province 2, city 4, county 6, township 9.
CODE_LENGTHS = (2, 4, 6, 9, 12)


def division_and_above(code: str) -> list[str]:
    """The division and every division above it, e.g. 410202 → 41, 4102, 410202."""
    return [code[:n] for n in CODE_LENGTHS if n <= len(code)]


def public_county(value: str | None) -> str:
    """A county code the public picked, if it is one; anything else means no county."""
    code = (value or "").strip()
    if code and code.isdigit() and Division.objects.filter(code=code, level=DivisionLevel.COUNTY).exists():
        return code
    return ""


def public_articles(*, county: str = "", kind: str = "") -> QuerySet[Article]:
    qs = Article.objects.filter(is_published=True, published_on__lte=today_local())
    if county:
        qs = qs.filter(division_code__in=division_and_above(county))
    if kind:
        if kind not in ArticleKind.values:
            raise Http404
        qs = qs.filter(kind=kind)
    return qs.order_by("-published_on", "-pk")


def public_article_or_404(pk: int) -> Article:
    try:
        return public_articles().prefetch_related("attachments").get(pk=pk)
    except Article.DoesNotExist:
        raise Http404 from None


def public_attachment_or_404(article_pk: int, pk: int) -> Attachment:
    article = public_article_or_404(article_pk)
    try:
        return article.attachments.get(pk=pk)
    except Attachment.DoesNotExist:
        raise Http404 from None


def division_names(codes: set[str]) -> dict[str, str]:
    return dict(Division.objects.filter(code__in=codes).values_list("code", "name"))


@dataclass(frozen=True)
class Section:
    """One content section of the home page: its latest items (possibly none)."""

    kind: str
    title: str
    items: list[Article]


def home_sections(*, county: str, per_section: int = 5) -> list[Section]:
    return [
        Section(kind.value, str(kind.label), list(public_articles(county=county, kind=kind.value)[:per_section]))
        for kind in ArticleKind
    ]


def public_contacts(*, county: str) -> list[ReportContact]:
    """Where to report: the county's hotline and email with the city's and province's; with no county, every
    division's, the city's first."""
    qs = ReportContact.objects.exclude(hotline="", email="")
    if county:
        qs = qs.filter(division_code__in=division_and_above(county))
    contacts = list(qs)
    names = division_names({c.division_code for c in contacts})
    for contact in contacts:
        contact.division_name = names.get(contact.division_code, contact.division_code)  # type: ignore[attr-defined]
    return sorted(contacts, key=lambda c: (len(c.division_code), c.division_code))


def content_counties(city_code: str = "") -> list[tuple[str, str]]:
    """(code, name) of the counties the public may pick: those with content, contacts or institutions.

    Names come from the division table here, not from ``selectors``' per-process name cache, which remembers
    a code it cannot name for ten minutes.
    """
    codes = set(Institution.objects.order_by().values_list("division_code", flat=True).distinct())
    codes |= set(ReportContact.objects.values_list("division_code", flat=True))
    codes |= set(Article.objects.filter(is_published=True).values_list("division_code", flat=True).distinct())
    counties = Division.objects.filter(code__in=codes, level=DivisionLevel.COUNTY)
    if city_code:
        counties = counties.filter(code__startswith=city_code)
    return list(counties.order_by("code").values_list("code", "name"))


# --- regulators ------------------------------------------------------------------------------------------------


def articles_for_user(user: User | AnonymousUser, *, kind: str = "", status: str = "") -> QuerySet[Article]:
    """Items of the user's division and the divisions under it."""
    qs = scope_queryset(Article.objects.all(), user)
    if kind in ArticleKind.values:
        qs = qs.filter(kind=kind)
    if status == "published":
        qs = qs.filter(is_published=True)
    elif status == "draft":
        qs = qs.filter(is_published=False)
    return qs.order_by("-updated_at", "-pk")


def article_for_user(user: User | AnonymousUser, pk: int) -> Article:
    return get_in_scope_or_404(Article.objects.prefetch_related("attachments"), user, pk=pk)


def attachment_for_user(user: User | AnonymousUser, pk: int) -> Attachment:
    return get_in_scope_or_404(Attachment.objects.select_related("article"), user, "article__division_code", pk=pk)


def contact_divisions_for_user(user: User | AnonymousUser) -> list[Division]:
    """The divisions whose contacts the user may see: their own and the counties under it (a platform
    administrator: the cities and counties that have institutions, content or contacts, not the whole country)."""
    reach = scope_queryset(Division.objects.all(), user, "code")
    own = getattr(user, "scope_code", "") or ""
    if own:
        return list(reach.filter(Q(level=DivisionLevel.COUNTY) | Q(code=own)).order_by("code"))
    counties = {code for code, _ in content_counties()}
    codes = counties | {c[:4] for c in counties} | set(ReportContact.objects.values_list("division_code", flat=True))
    return list(reach.filter(code__in=codes).order_by("code"))


def contacts_by_division(codes: list[str]) -> dict[str, ReportContact]:
    return {c.division_code: c for c in ReportContact.objects.filter(division_code__in=codes)}


def contact_division_for_user(user: User | AnonymousUser, code: str) -> Division:
    return get_in_scope_or_404(Division.objects.all(), user, "code", code=code)
