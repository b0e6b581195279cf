"""The after-school coverage of the schools in reach as Excel, written by a background job (core.exports)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shuangjian.core.exports import ExportFile, ExportKind, JobProgress, register_export
from shuangjian.core.models import Division, User

from . import afterschool, selectors

COVERAGE = "schools.coverage"


def coverage_export(user: User, params: Mapping[str, Any], progress: JobProgress) -> ExportFile:
    """Every school in the owner's reach this term, with its plan and uptake (the coverage page's rows)."""
    term = afterschool.current_term()
    pairs = afterschool.school_services(selectors.schools_for_user(user), term)
    progress.total(len(pairs))
    codes = sorted({s.division_code for s, _svc in pairs})
    names = dict(Division.objects.filter(code__in=codes).values_list("code", "name"))
    return ExportFile(
        stream=afterschool.coverage_export(pairs, names, on_row=progress),
        filename=_("课后服务覆盖情况.xlsx"),
        rows=len(pairs),
    )


register_export(ExportKind(COVERAGE, gettext_lazy("课后服务覆盖情况"), "schools.view_coverage", coverage_export))
