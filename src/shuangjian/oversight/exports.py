"""The county evaluation (一体评价) ranking as Excel, written by a background job (core.exports) as the owner:
the period and the counties re-checked against the owner's reach when the job runs."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shuangjian.core.exports import ExportFile, ExportKind, JobProgress, register_export, stamp, xlsx_file
from shuangjian.core.models import User

from . import evaluation
from . import indicators as ind
from .models import EvaluationPeriod

EVALUATION = "oversight.evaluation"


def evaluation_headers() -> list[str]:
    items = ind.indicators()
    return [
        _("排名"),
        _("县区"),
        _("综合得分"),
        *[f"{i.label}（%）" for i in items],
        *[f"{i.label}（{_('分子')}/{_('分母')}）" for i in items],
    ]


def evaluation_rows(user: User, period: EvaluationPeriod) -> Iterator[list[Any]]:
    items = ind.indicators()
    for r in evaluation.ranked_table(user, period):
        pct = [r.scores[i.key].percent if i.key in r.scores else None for i in items]
        frac = [
            f"{r.scores[i.key].numerator}/{r.scores[i.key].denominator}" if i.key in r.scores else "" for i in items
        ]
        yield [r.rank, r.name, r.total, *pct, *frac]


def evaluation_export(user: User, params: Mapping[str, Any], progress: JobProgress) -> ExportFile:
    period = evaluation.period_for_user(user, int(params.get("period") or 0))
    return xlsx_file(
        progress,
        filename=f"evaluation-{period.pk}-{stamp()}.xlsx",
        headers=evaluation_headers(),
        rows=evaluation_rows(user, period),
        title=_("一体评价"),
    )


register_export(ExportKind(EVALUATION, gettext_lazy("一体评价排名"), "oversight.view_evaluation", evaluation_export))
