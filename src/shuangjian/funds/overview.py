"""The regulator view's snapshot: every institution's funds figures computed once for the whole province, read by
``funds:overview`` in each viewer's jurisdiction (``selectors.funds_overview_snapshot``).

Computing the figures reads every ledger account, enrolment, lesson, refund and payment of the last nine weeks in
reach: 3 s for 20 000 institutions, growing with the data. A page that did it on every view (as it did) grew 5–9×
from 2 000 to 20 000 institutions. So the computation runs as a job (``funds_overview_refresh``): every
``FUNDS_OVERVIEW_REFRESH_SECONDS`` from Celery beat, and when a page finds the latest snapshot older than that
(``funds_overview_refresh_request``, once per period whoever asks). The page shows when its figures were computed.
The figures are the live computation's (``selectors._overview_figures``, scope: everything) at that time.
"""

from __future__ import annotations

import datetime

from celery import shared_task
from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from shuangjian.core.models import Division

from . import selectors
from .models import FundsSnapshot, FundsSnapshotCounty, FundsSnapshotRow, FundsSnapshotWeek

REFRESH_LOCK = "funds:overview:refresh-requested"
BATCH = 2000


def refresh_seconds() -> int:
    return max(int(getattr(settings, "FUNDS_OVERVIEW_REFRESH_SECONDS", 600)), 1)


@transaction.atomic
def funds_overview_refresh(*, today: datetime.date | None = None) -> FundsSnapshot:
    """Compute every institution's figures now and make them the snapshot the page reads (older ones dropped,
    the previous one kept for pages that are reading it)."""
    now = timezone.now()
    as_of = today or timezone.localdate(now)
    rows, weekly, _since = selectors._overview_figures(Q(), as_of)
    institutions = sorted(rows.values(), key=selectors.overview_order_key)
    county_names = dict(
        Division.objects.filter(code__in={r.division_code for r in institutions}).values_list("code", "name")
    )
    snapshot = FundsSnapshot.objects.create(computed_at=now, as_of=as_of, institutions=len(institutions))
    FundsSnapshotRow.objects.bulk_create(
        (
            FundsSnapshotRow(
                snapshot=snapshot,
                institution_id=r.institution_id,
                division_code=r.division_code,
                name=r.name,
                custody_fen=r.custody_fen,
                prepaid_fen=r.prepaid_fen,
                expected_prepaid_fen=r.expected_prepaid_fen,
                pending_confirmations=r.pending_confirmations,
                overdue_refunds=r.overdue_refunds,
                week_in_fen=r.week_in_fen,
                trailing_avg_fen=r.trailing_avg_fen,
                deposit_fen=r.deposit_fen,
                deposit_covered_fen=r.deposit_covered_fen,
                coverage_percent=r.coverage_percent,
                outside_custody=r.outside_custody,
                spike=r.spike,
                flag_rank=0 if (r.outside_custody or r.spike) else 1,
                coverage_rank=r.coverage_percent or 999,
            )
            for r in institutions
            if r.name  # an institution deleted since its funds rows were read
        ),
        batch_size=BATCH,
    )
    FundsSnapshotCounty.objects.bulk_create(
        (
            FundsSnapshotCounty(
                snapshot=snapshot,
                division_code=c.division_code,
                name=c.name,
                custody_fen=c.custody_fen,
                prepaid_fen=c.prepaid_fen,
                expected_prepaid_fen=c.expected_prepaid_fen,
                pending_confirmations=c.pending_confirmations,
                overdue_refunds=c.overdue_refunds,
                institutions=c.institutions,
                flagged=c.flagged,
                deposit_fen=c.deposit_fen,
                deposit_covered_fen=c.deposit_covered_fen,
            )
            for c in selectors.county_totals([r for r in institutions if r.name], county_names)
        ),
        batch_size=BATCH,
    )
    FundsSnapshotWeek.objects.bulk_create(
        (
            FundsSnapshotWeek(snapshot=snapshot, division_code=code, week=week, total_fen=total)
            for (code, week), total in sorted(weekly.items())
            if 0 <= week <= selectors.SPIKE_TRAILING_WEEKS
        ),
        batch_size=BATCH,
    )
    if connection.vendor == "postgresql":
        # Fresh statistics, so the page's query walks the order index for its 50 rows instead of sorting them all.
        with connection.cursor() as cursor:
            for model in (FundsSnapshotRow, FundsSnapshotCounty, FundsSnapshotWeek):
                cursor.execute(f"ANALYZE {model._meta.db_table}")
    FundsSnapshot.objects.filter(pk=snapshot.pk).update(complete=True)
    snapshot.complete = True
    # Keep the previous snapshot (a page may be reading it); drop the older ones, rows first in single DELETEs.
    previous = FundsSnapshot.objects.filter(pk__lt=snapshot.pk).order_by("-pk").values_list("pk", flat=True).first()
    if previous is not None:
        old = list(FundsSnapshot.objects.filter(pk__lt=previous).values_list("pk", flat=True))
        if old:
            for model in (FundsSnapshotRow, FundsSnapshotCounty, FundsSnapshotWeek):
                model.objects.filter(snapshot_id__in=old).delete()
            FundsSnapshot.objects.filter(pk__in=old).delete()
    return snapshot


def snapshot_is_stale(snapshot: FundsSnapshot | None) -> bool:
    if snapshot is None:
        return True
    return timezone.now() - snapshot.computed_at > datetime.timedelta(seconds=refresh_seconds())


def funds_overview_refresh_request(latest: FundsSnapshot | None) -> bool:
    """Queue a refresh unless one was queued since ``latest`` within the refresh period (by anyone); True when
    queued. With Celery eager (development, tests) the refresh runs here, before the page reads the snapshot."""
    key = f"{REFRESH_LOCK}:{latest.pk if latest else 0}"
    if not cache.add(key, 1, timeout=refresh_seconds()):
        return False
    overview_refresh_task.delay()
    return True


@shared_task(name="shuangjian.funds.tasks.overview_refresh_task")
def overview_refresh_task() -> int:
    """The regulator view's figures for the whole province, computed again (beat, or a page that found them old).
    Defined here, beside the service, and re-exported by ``funds.tasks`` so workers register it."""
    return funds_overview_refresh().pk
