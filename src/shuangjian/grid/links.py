"""The grid's side of the link between a finding and the public-report case raised from it: complaints asks
(complaints/hooks.py) and the grid answers with the finding page, if the user reaches the finding."""

from __future__ import annotations

from django.http import Http404
from django.urls import reverse
from django.utils.translation import gettext as _

from shuangjian.complaints.hooks import SourceLink
from shuangjian.complaints.models import Report
from shuangjian.core.models import User

from . import selectors


def finding_link(report: Report, user: User) -> SourceLink | None:
    """ "网格发现 #12（北书店第1网格 2026-12-03）" linking to the finding page; None out of the user's reach."""
    pk = report.source_ref.partition(":")[2]
    if not pk.isdigit():
        return None
    try:
        finding = selectors.finding_for_user(user, int(pk))
    except Http404:
        return None
    label = _("网格发现 #%(pk)s（%(cell)s %(day)s）") % {
        "pk": finding.pk,
        "cell": finding.report.cell.name,
        "day": finding.report.day.isoformat(),
    }
    return SourceLink(label=label, url=reverse("grid:finding_detail", args=[finding.pk]))
