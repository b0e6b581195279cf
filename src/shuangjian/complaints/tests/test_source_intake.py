"""Reports raised inside the platform from another app's record (channel 网格员上报): one report per source,
only internal channels, only staff and grid officers, and never in the public Open311 list."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404
from django.test import Client

from shuangjian.complaints import hooks, services
from shuangjian.complaints.models import Channel, Report, ReportStatus
from shuangjian.core.models import Role
from shuangjian.core.tests.factories import UserFactory


def _data(**kw: Any) -> services.ReportInput:
    kw.setdefault("channel", Channel.GRID)
    return services.ReportInput(
        category="unlicensed", description="居民楼内有学科类培训。", address="龙亭区北道门街12号", **kw
    )


@pytest.mark.django_db
def test_one_report_per_source_and_refusals(people: dict[str, Any]) -> None:
    grid = UserFactory.create(username="c_grid", role=Role.GRID_OFFICER, scope_code="")
    report, created = services.report_record_from_source(
        actor=grid, data=_data(), reporter=grid, source_ref="grid.finding:7"
    )
    assert created and report.channel == Channel.GRID and report.status == ReportStatus.NEW
    assert (report.reporter, report.recorded_by, report.division_code) == (grid, grid, "410202")
    assert report.events.get().public_note == "已收到举报，等待受理。"
    again, created = services.report_record_from_source(
        actor=people["regulator"], data=_data(), reporter=grid, source_ref="grid.finding:7"
    )
    assert again == report and not created and Report.objects.count() == 1

    with pytest.raises(ValidationError) as public_channel:
        services.report_record_from_source(
            actor=grid, data=_data(channel=Channel.WEB), reporter=grid, source_ref="grid.finding:8"
        )
    assert public_channel.value.message_dict["channel"] == ["未知的来源渠道。"]
    with pytest.raises(ValidationError):
        services.report_record_from_source(actor=grid, data=_data(), reporter=grid, source_ref="")
    parent = UserFactory.create(username="c_parent", role=Role.PARENT)
    with pytest.raises(Http404):
        services.report_record_from_source(actor=parent, data=_data(), reporter=parent, source_ref="grid.finding:9")
    # The staff intake (hotline, letter...) cannot type a "grid" report in: it has no finding to link to.
    with pytest.raises(ValidationError) as typed_in:
        services.report_submit(actor=people["regulator"], data=_data())
    assert typed_in.value.message_dict["channel"] == ["网格员上报的举报请从网格发现转入。"]
    assert Report.objects.count() == 1


@pytest.mark.django_db
def test_a_source_without_a_registered_resolver_shows_no_link(people: dict[str, Any]) -> None:
    grid = UserFactory.create(username="c_grid", role=Role.GRID_OFFICER, scope_code="")
    report, _created = services.report_record_from_source(
        actor=grid, data=_data(), reporter=grid, source_ref="elsewhere.thing:1"
    )
    assert hooks.source_link(report, people["regulator"]) is None
    page = Client()
    page.force_login(people["regulator"])
    body = page.get(f"/complaints/{report.pk}/").content.decode()
    assert "来自网格员上报" in body and 'data-testid="source"' in body
