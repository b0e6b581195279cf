"""The oversight dashboard: the same page for the province, a city and a county, scoped by the user.

A user above county level may narrow it to one county of their reach (anything else is a 404). It shows the
latest computed evaluation figures, their trend over the periods, and the items to act on first: overdue orders,
overdue rectification notices and active institutions whose prepaid money is not supervised.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.db.models import QuerySet, Sum
from django.http import Http404
from django.utils import timezone

from shuangjian.core.models import User
from shuangjian.core.pagination import count_up_to
from shuangjian.core.permissions import require
from shuangjian.core.scope import code_in_scope, user_reach
from shuangjian.enforcement.inspection_selectors import notices_for_user
from shuangjian.enforcement.models import NoticeStatus, RectificationNotice
from shuangjian.registry.models import Institution, InstitutionStatus, SupervisionMode
from shuangjian.registry.selectors import institution_list_for_user

from . import indicators as ind
from .models import EvaluationPeriod, EvaluationScore, SupervisionOrder
from .orders import counties_in_reach, overdue_orders_for_user

WORST_ITEMS = 10
# The badges count up to this many and then say "more" (core.pagination.count_up_to): an exact count of a
# province's unsupervised institutions grew with the register (150 ms of a 260 ms page at 200 000 institutions).
BADGE_COUNT_CAP = 999


@dataclass
class Dashboard:
    level_code: str
    county: str
    counties: list[tuple[str, str]]
    latest: EvaluationPeriod | None
    figures: list[tuple[ind.Indicator, int, int, float | None]]
    trend: dict[str, Any] = field(default_factory=dict)
    overdue_orders: list[SupervisionOrder] = field(default_factory=list)
    overdue_orders_total: int = 0
    overdue_notices: list[RectificationNotice] = field(default_factory=list)
    overdue_notices_total: int = 0
    uncovered: list[Institution] = field(default_factory=list)
    uncovered_total: int = 0
    # Whether a total stopped at BADGE_COUNT_CAP (there are more).
    overdue_orders_more: bool = False
    overdue_notices_more: bool = False
    uncovered_more: bool = False


def _narrow(qs: QuerySet[Any], county: str) -> QuerySet[Any]:
    return qs.filter(division_code=county) if county else qs


def dashboard_for_user(user: User, *, county: str = "", today: datetime.date | None = None) -> Dashboard:
    require(user, "oversight.view_dashboard")
    day = today or timezone.localdate()
    reach = user_reach(user)
    if reach is None or (county and not code_in_scope(user, county)):
        raise Http404
    counties = counties_in_reach(user)
    if county and county not in dict(counties):
        raise Http404
    prefix = county or reach
    periods = list(EvaluationPeriod.objects.filter(computed_at__isnull=False).order_by("ends_on", "pk"))
    latest = periods[-1] if periods else None
    sums = {
        (r["period_id"], r["indicator"]): (r["n"] or 0, r["d"] or 0)
        for r in EvaluationScore.objects.filter(division_code__startswith=prefix, period__in=periods)
        .values("period_id", "indicator")
        .annotate(n=Sum("numerator"), d=Sum("denominator"))
    }

    def pct(n: int, d: int) -> float | None:
        return round(100 * n / d, 1) if d else None

    figures = []
    for item in ind.indicators():
        n, d = sums.get((latest.pk, item.key), (0, 0)) if latest else (0, 0)
        figures.append((item, n, d, pct(n, d)))
    trend = {
        "periods": [p.name for p in periods],
        "series": [
            {"name": str(item.label), "data": [pct(*sums.get((p.pk, item.key), (0, 0))) for p in periods]}
            for item in ind.indicators()
        ],
    }
    orders = _narrow(overdue_orders_for_user(user, day), county)
    notices = _narrow(
        notices_for_user(user).filter(status__in=(NoticeStatus.ISSUED, NoticeStatus.ANSWERED), deadline__lt=day),
        county,
    ).order_by("deadline", "pk")
    uncovered = _narrow(
        institution_list_for_user(user=user).filter(
            status=InstitutionStatus.ACTIVE, supervision_mode=SupervisionMode.NONE
        ),
        county,
    )
    orders_total, orders_more = count_up_to(orders, BADGE_COUNT_CAP)
    notices_total, notices_more = count_up_to(notices, BADGE_COUNT_CAP)
    uncovered_total, uncovered_more = count_up_to(uncovered, BADGE_COUNT_CAP)
    return Dashboard(
        level_code=prefix,
        county=county,
        counties=counties,
        latest=latest,
        figures=figures,
        trend=trend,
        overdue_orders=list(orders[:WORST_ITEMS]),
        overdue_orders_total=orders_total,
        overdue_orders_more=orders_more,
        overdue_notices=list(notices[:WORST_ITEMS]),
        overdue_notices_total=notices_total,
        overdue_notices_more=notices_more,
        uncovered=list(uncovered[:WORST_ITEMS]),
        uncovered_total=uncovered_total,
        uncovered_more=uncovered_more,
    )
