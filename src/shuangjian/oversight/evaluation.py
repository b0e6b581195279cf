"""County evaluation (一体评价): compute a period's indicators for every county, rank the counties, export.

Figures are computed from live data by the registered indicators (``indicators.py``) and kept per period, so a
published ranking does not move when the data changes afterwards; the drill-down recomputes from live data.
"""

from __future__ import annotations

import datetime
import io
from dataclasses import dataclass, field
from typing import IO

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook

from shuangjian.core.audit import audit_record
from shuangjian.core.models import User
from shuangjian.core.permissions import require
from shuangjian.core.scope import code_in_scope, scope_queryset

from . import indicators as ind
from .models import EvaluationPeriod, EvaluationScore
from .orders import counties_in_reach


@dataclass
class CountyRow:
    code: str
    name: str
    scores: dict[str, EvaluationScore] = field(default_factory=dict)
    total: float = 0.0
    rank: int = 0
    below: list[str] = field(default_factory=list)


def periods_for_user(user: User):  # type: ignore[no-untyped-def]
    require(user, "oversight.view_evaluation")
    return EvaluationPeriod.objects.all()


def period_for_user(user: User, pk: int) -> EvaluationPeriod:
    try:
        return periods_for_user(user).get(pk=pk)
    except EvaluationPeriod.DoesNotExist:
        raise Http404 from None


@transaction.atomic
def period_compute(*, actor: User, name: str, starts_on: datetime.date, ends_on: datetime.date) -> EvaluationPeriod:
    """Compute (or recompute) every registered indicator for every county in the actor's reach."""
    require(actor, "oversight.compute_evaluation")
    if ends_on < starts_on:
        raise ValidationError(_("截止日期不能早于起始日期"), code="invalid_period")
    period, _created = EvaluationPeriod.objects.get_or_create(
        name=name.strip(), defaults={"starts_on": starts_on, "ends_on": ends_on}
    )
    period.starts_on, period.ends_on = starts_on, ends_on
    period.computed_at, period.computed_by = timezone.now(), actor
    period.save()
    counties = [c for c, _n in counties_in_reach(actor)]
    period.scores.filter(division_code__in=counties).delete()
    rows = []
    for code in counties:
        for item in ind.indicators():
            fig = item.compute(actor, code, starts_on, ends_on)
            rows.append(
                EvaluationScore(
                    period=period,
                    division_code=code,
                    indicator=item.key,
                    numerator=fig.numerator,
                    denominator=fig.denominator,
                )
            )
    EvaluationScore.objects.bulk_create(rows)
    audit_record(
        actor=actor,
        action="evaluation.compute",
        obj=period,
        division_code=actor.scope_code,
        after={"counties": len(counties), "scores": len(rows)},
    )
    return period


def ranked_table(user: User, period: EvaluationPeriod) -> list[CountyRow]:
    """The counties in the user's reach with their figures, ranked by the weighted sum of their percentages."""
    names = dict(counties_in_reach(user))
    weights = ind.weights()
    table: dict[str, CountyRow] = {}
    for score in scope_queryset(period.scores.all(), user):
        code = score.division_code
        row = table.setdefault(code, CountyRow(code, names.get(code, code)))
        row.scores[score.indicator] = score
    for row in table.values():
        total_w = 0.0
        for key, w in weights.items():
            s = row.scores.get(key)
            if s is None or s.percent is None:
                continue  # an indicator with nothing to count does not weigh on the county
            row.total += w * s.percent
            total_w += w
            if s.percent < ind.threshold(key):
                row.below.append(key)
        row.total = round(row.total / total_w, 1) if total_w else 0.0
    ranked = sorted(table.values(), key=lambda r: (-r.total, r.code))
    for i, r in enumerate(ranked, 1):
        r.rank = i
    return ranked


def drill_down(user: User, period: EvaluationPeriod, county: str, key: str) -> tuple[ind.Indicator, ind.Figure]:
    """The rows behind one figure, recomputed from live data; a county out of reach is a 404."""
    require(user, "oversight.view_evaluation")
    if not code_in_scope(user, county) or key not in ind.REGISTRY:
        raise Http404
    item = ind.REGISTRY[key]
    return item, item.compute(user, county, period.starts_on, period.ends_on)


def ranked_export(user: User, period: EvaluationPeriod) -> IO[bytes]:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = _("一体评价")
    items = ind.indicators()
    ws.append(
        [
            _("排名"),
            _("县区"),
            _("综合得分"),
            *[f"{i.label}（%）" for i in items],
            *[f"{i.label}（{_('分子')}/{_('分母')}）" for i in items],
        ]
    )
    for r in ranked_table(user, period):
        pct = [r.scores[i.key].percent if i.key in r.scores else None for i in items]
        frac = [
            f"{r.scores[i.key].numerator}/{r.scores[i.key].denominator}" if i.key in r.scores else "" for i in items
        ]
        ws.append([r.rank, r.name, r.total, *pct, *frac])
    buf = io.BytesIO()
    wb.save(buf)
    buf.seek(0)
    return buf
