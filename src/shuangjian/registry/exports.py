"""Excel exports: any filtered institution list, the white and black lists, and published snapshots.

Workbooks are written by ``core.excel.write_xlsx`` (rows streamed, constant memory, text that a spreadsheet
would read as a formula kept as text) into a temporary file. Every staff export is a background job
(``core.exports``): the person follows the job's page and downloads the file from there. Only the portal's copy
of a published snapshot is written in the request (``publication_xlsx``).
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterator, Mapping
from typing import IO, Any

from django.contrib.humanize.templatetags.humanize import intcomma
from django.db.models import QuerySet
from django.http import FileResponse, Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from shuangjian.core.exact_counts import register_exact_count
from shuangjian.core.excel import XLSX_CONTENT_TYPE, write_xlsx
from shuangjian.core.exports import (
    ExportFile,
    ExportKind,
    JobProgress,
    query_from_params,
    register_export,
    xlsx_file,
)
from shuangjian.core.models import User
from shuangjian.core.permissions import require
from shuangjian.core.scope import scope_queryset

from . import selectors
from .filters import InstitutionFilters, filter_institutions
from .models import BlacklistEntry, Institution, ListKind, ListPublication, ListPublicationRow

# The kind of the institution export jobs written before every export moved to core.exports (still listed).
EXPORT_JOB_KIND = "registry.institution_export"


def xlsx_response(stream: IO[bytes], filename: str) -> FileResponse:
    return FileResponse(stream, as_attachment=True, filename=filename, content_type=XLSX_CONTENT_TYPE)


def stamp() -> str:
    return timezone.localtime().strftime("%Y%m%d%H%M")


# --- institutions ----------------------------------------------------------------------------------------------


def institution_headers() -> list[str]:
    return [
        _("机构名称"),
        _("统一社会信用代码"),
        _("所属县区代码"),
        _("乡镇（街道）代码"),
        _("类别"),
        _("学科/领域"),
        _("地址"),
        _("培训形式"),
        _("状态"),
        _("办学许可证号"),
        _("许可证有效期至"),
        _("预收费监管方式"),
        _("联系电话"),
    ]


def _subjects_text(inst: Institution) -> str:
    from .models import Subject

    if inst.field:
        return inst.get_field_display()
    labels = dict(Subject.choices)
    return "、".join(str(labels.get(s, s)) for s in (inst.licensed_subjects or []))


def institution_rows(qs: QuerySet[Institution]) -> Iterator[list[Any]]:
    for inst in qs.iterator(chunk_size=2000):
        yield [
            inst.name,
            inst.uscc,
            inst.division_code,
            inst.township_code,
            inst.get_category_display(),
            _subjects_text(inst),
            inst.address,
            inst.get_training_format_display(),
            inst.get_status_display(),
            inst.licence_no or "",
            inst.licence_expires_on,
            inst.get_supervision_mode_display(),
            inst.phone,
        ]


INSTITUTION_WIDTHS = [32, 22, 12, 14, 10, 18, 40, 10, 10, 24, 14, 14, 14]


def institutions_for_export(*, user: User, filters: InstitutionFilters) -> QuerySet[Institution]:
    """The institutions a regulator's filtered list shows, in the same order, scoped to the user."""
    require(user, "registry.export_institutions")
    qs = scope_queryset(Institution.objects.all(), user)
    return filter_institutions(qs, filters).order_by("division_code", "name", "pk")


def institutions_xlsx(qs: QuerySet[Institution], on_row: Callable[[int], None] | None = None) -> IO[bytes]:
    return write_xlsx(
        institution_headers(), institution_rows(qs), title=_("机构名单"), widths=INSTITUTION_WIDTHS, on_row=on_row
    )


INSTITUTIONS_EXPORT = "registry.institutions"


def institutions_export(user: User, params: Mapping[str, Any], progress: JobProgress) -> ExportFile:
    """A filtered institution list as the owner sees it when the job runs (core.exports)."""
    qs = institutions_for_export(user=user, filters=InstitutionFilters.from_params(params))
    return xlsx_file(
        progress,
        filename=f"机构名单-{stamp()}.xlsx",
        headers=institution_headers(),
        rows=institution_rows(qs),
        title=_("机构名单"),
        widths=INSTITUTION_WIDTHS,
        total=qs.count(),
    )


register_export(
    ExportKind(INSTITUTIONS_EXPORT, gettext_lazy("机构名单"), "registry.export_institutions", institutions_export)
)


# --- lists -----------------------------------------------------------------------------------------------------


def whitelist_headers() -> list[str]:
    return [_("序号"), _("机构名称"), _("统一社会信用代码"), _("类别"), _("办学许可证号"), _("地址"), _("所属县区代码")]


def blacklist_headers() -> list[str]:
    return [
        _("序号"),
        _("机构名称"),
        _("统一社会信用代码"),
        _("列入原因"),
        _("依据"),
        _("列入日期"),
        _("移出日期"),
        _("发布部门"),
        _("所属县区代码"),
    ]


WHITELIST_WIDTHS = [6, 32, 22, 16, 24, 40, 12]
BLACKLIST_WIDTHS = [6, 32, 22, 40, 30, 12, 12, 14, 12]


def whitelist_rows(qs: QuerySet[Institution]) -> Iterator[list[Any]]:
    from .lists import _category_label

    return (
        [n, inst.name, inst.uscc, _category_label(inst), inst.licence_no or "", inst.address, inst.division_code]
        for n, inst in enumerate(qs.iterator(chunk_size=2000), start=1)
    )


def blacklist_rows(qs: QuerySet[BlacklistEntry]) -> Iterator[list[Any]]:
    return (
        [
            n,
            e.institution.name,
            e.institution.uscc,
            e.reason,
            e.legal_basis,
            e.start,
            e.end,
            e.get_department_display(),
            e.division_code,
        ]
        for n, e in enumerate(qs.select_related("institution").iterator(chunk_size=2000), start=1)
    )


def publication_rows(publication: ListPublication, kind: str) -> Iterator[list[Any]]:
    rows_qs = ListPublicationRow.objects.filter(publication=publication, kind=kind).order_by(
        "division_code", "name", "pk"
    )
    if kind == ListKind.WHITE:
        return (
            [n, r.name, r.uscc, r.category, r.licence_no, r.address, r.division_code]
            for n, r in enumerate(rows_qs.iterator(chunk_size=2000), start=1)
        )
    return (
        [n, r.name, r.uscc, r.reason, r.legal_basis, r.start, r.end, r.listed_by, r.division_code]
        for n, r in enumerate(rows_qs.iterator(chunk_size=2000), start=1)
    )


def whitelist_xlsx(qs: QuerySet[Institution]) -> IO[bytes]:
    return write_xlsx(whitelist_headers(), whitelist_rows(qs), title=_("白名单"), widths=WHITELIST_WIDTHS)


def blacklist_xlsx(qs: QuerySet[BlacklistEntry]) -> IO[bytes]:
    return write_xlsx(blacklist_headers(), blacklist_rows(qs), title=_("黑名单"), widths=BLACKLIST_WIDTHS)


def publication_xlsx(publication: ListPublication, kind: str) -> IO[bytes]:
    """A published snapshot as Excel, written in the request: the public portal's download (a frozen list of one
    city or county, bounded by its institutions) and the source of the staff export job below."""
    if kind == ListKind.WHITE:
        return write_xlsx(
            whitelist_headers(), publication_rows(publication, kind), title=_("白名单"), widths=WHITELIST_WIDTHS
        )
    return write_xlsx(
        blacklist_headers(), publication_rows(publication, kind), title=_("黑名单"), widths=BLACKLIST_WIDTHS
    )


# --- the list exports as background jobs (core.exports) -----------------------------------------------------------

WHITELIST_EXPORT = "registry.whitelist"
BLACKLIST_EXPORT = "registry.blacklist"
PUBLICATION_EXPORT = "registry.publication"


def list_params(query: Mapping[str, Any]) -> tuple[str, str]:
    """The list pages' search text and county (``?q=&division=``), cleaned as the pages clean them."""

    def one(key: str) -> str:
        value = query.get(key, "")
        if isinstance(value, list):
            value = value[-1] if value else ""
        return str(value or "")

    q = one("q").strip()[:64]
    division = one("division").strip()
    return q, division if division.isdigit() else ""


def whitelist_export(user: User, params: Mapping[str, Any], progress: JobProgress) -> ExportFile:
    from .lists import whitelist_for_user

    q, division = list_params(params)
    qs = whitelist_for_user(user=user, q=q, division=division)
    return xlsx_file(
        progress,
        filename=f"白名单-{stamp()}.xlsx",
        headers=whitelist_headers(),
        rows=whitelist_rows(qs),
        title=_("白名单"),
        widths=WHITELIST_WIDTHS,
        total=qs.count(),
    )


def blacklist_export(user: User, params: Mapping[str, Any], progress: JobProgress) -> ExportFile:
    from .lists import blacklist_for_user

    q, division = list_params(params)
    qs = blacklist_for_user(user=user, q=q, division=division)
    return xlsx_file(
        progress,
        filename=f"黑名单-{stamp()}.xlsx",
        headers=blacklist_headers(),
        rows=blacklist_rows(qs),
        title=_("黑名单"),
        widths=BLACKLIST_WIDTHS,
        total=qs.count(),
    )


def publication_export(user: User, params: Mapping[str, Any], progress: JobProgress) -> ExportFile:
    from .lists import publications_for_user

    kind = str(params.get("kind", ""))
    publication = publications_for_user(user=user).filter(pk=int(params.get("publication") or 0)).first()
    if publication is None or kind not in ListKind.values:
        raise Http404
    white = kind == ListKind.WHITE
    label = _("白名单") if white else _("黑名单")
    return xlsx_file(
        progress,
        filename=f"{publication.year}-{publication.division_code}-{label}.xlsx",
        headers=whitelist_headers() if white else blacklist_headers(),
        rows=publication_rows(publication, kind),
        title=label,
        widths=WHITELIST_WIDTHS if white else BLACKLIST_WIDTHS,
        total=ListPublicationRow.objects.filter(publication=publication, kind=kind).count(),
    )


register_export(ExportKind(WHITELIST_EXPORT, gettext_lazy("白名单"), "registry.view_lists", whitelist_export))
register_export(ExportKind(BLACKLIST_EXPORT, gettext_lazy("黑名单"), "registry.view_lists", blacklist_export))
register_export(
    ExportKind(
        PUBLICATION_EXPORT, gettext_lazy("已发布的白名单/黑名单"), "registry.view_publications", publication_export
    )
)


def date_text(value: datetime.date | None) -> str:
    return value.isoformat() if value else ""


# --- exact totals of the long lists (core.exact_counts): counted by a job, shown in the list's header -------------

INSTITUTION_COUNT = "registry.institution_count"
ZOMBIE_COUNT = "registry.zombie_count"
WHITELIST_COUNT = "registry.whitelist_count"


def institutions_total_text(n: int) -> str:
    return ngettext("共 %(n)s 家", "共 %(n)s 家", n) % {"n": intcomma(n)}


def institutions_more_text(n: int) -> str:
    return ngettext("超过 %(n)s 家", "超过 %(n)s 家", n) % {"n": intcomma(n)}


def institution_count_rows(user: User, params: Mapping[str, Any]) -> QuerySet[Institution]:
    """The institution list's rows for its filters (``InstitutionFilters.as_params``), as the list selects them."""
    return selectors.institution_list_for_user(
        user=user, filters=InstitutionFilters.from_params(query_from_params(params))
    )


def zombie_count_rows(user: User, params: Mapping[str, Any]) -> QuerySet[Institution]:
    return selectors.zombies_for_user(user=user)


def whitelist_count_params(*, q: str, division: str) -> dict[str, str]:
    """The white list's filters as its count job keeps them (empty ones left out)."""
    return {key: value for key, value in (("q", q), ("division", division)) if value}


def whitelist_count_rows(user: User, params: Mapping[str, Any]) -> QuerySet[Institution]:
    from .lists import whitelist_for_user

    query = query_from_params(params)
    return whitelist_for_user(user=user, q=query.get("q", ""), division=query.get("division", ""))


register_exact_count(
    INSTITUTION_COUNT,
    gettext_lazy("机构名录准确总数"),
    "registry.view_institutions",
    institution_count_rows,
    page="registry:institution_list",
    total_text=institutions_total_text,
    more_text=institutions_more_text,
)
register_exact_count(
    ZOMBIE_COUNT,
    gettext_lazy("僵尸机构准确总数"),
    "registry.view_zombies",
    zombie_count_rows,
    page="registry:zombies",
    total_text=institutions_total_text,
    more_text=institutions_more_text,
)
register_exact_count(
    WHITELIST_COUNT,
    gettext_lazy("白名单准确总数"),
    "registry.view_lists",
    whitelist_count_rows,
    page="registry:whitelist",
    total_text=institutions_total_text,
    more_text=institutions_more_text,
)
