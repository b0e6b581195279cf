"""Bulletins drafted from data: hand-counted figures, the editor's text, gap-free numbers on publishing,
immutability once published, revisions, and regeneration from the stored queries."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.utils import timezone

from shuangjian.core.audit import action_label
from shuangjian.core.models import AuditEvent
from shuangjian.core.numbering import document_number_peek
from shuangjian.oversight import bulletins
from shuangjian.oversight.models import Bulletin, BulletinStatus
from shuangjian.registry.tests.factories import InstitutionFactory

from .bulletin_helpers import county_data, draft, regulator, week

pytestmark = pytest.mark.django_db


def test_a_draft_carries_hand_counted_figures_and_their_queries() -> None:
    reg = regulator()
    county_data(reg)
    b = draft(reg)
    assert b.status == BulletinStatus.DRAFT and b.number == "" and b.seq is None
    assert b.figure("institutions_by_status") == {"active": 2, "applying": 1}
    assert b.figure("inspections_done") == 2
    assert b.figure("notices") == {"issued": 1, "closed": 0}
    assert b.figure("ads") == {"found": 2, "removed": 1}
    assert b.figure("typical_cases") == []
    start, end = week()
    params = {"division": "410202", "start": start.isoformat(), "end": end.isoformat()}
    # Every query runs on the period; the trend and the typical cases store their extra parameter with it.
    extras = {"monthly_trend": {"months": "6"}, "typical_cases": {"limit": "5"}}
    assert all(f["params"] == {**params, **extras.get(f["name"], {})} for f in b.figures)
    assert "在册校外培训机构3家" in b.overview_text and "完成检查2次" in b.overview_text
    assert b.issuer_name.startswith("龙亭区")


def test_the_city_bulletin_has_one_row_per_county() -> None:
    city = regulator("b_city", "4102")
    county_data(regulator())
    b = draft(city, "4102")
    rows = {r["code"]: r for r in b.figure("counties")}
    assert set(rows) == {"410202", "410212"}
    assert (rows["410202"]["institutions"], rows["410202"]["inspections"], rows["410202"]["ads_removed"]) == (3, 2, 1)
    assert (rows["410212"]["institutions"], rows["410212"]["inspections"]) == (1, 0)
    assert b.figure("institutions_by_status") == {"active": 3, "applying": 1}


def test_regenerating_a_published_bulletin_from_its_stored_queries_gives_the_same_figures() -> None:
    reg = regulator()
    county_data(reg)
    b = bulletins.bulletin_publish(actor=reg, bulletin=draft(reg))
    b.refresh_from_db()
    assert bulletins.bulletin_figures_regenerate(b) == b.figures
    # Data outside the period (an institution registered after it) leaves the regenerated figures alone.
    later = InstitutionFactory.create()
    soon = timezone.now() + datetime.timedelta(days=3)
    type(later).objects.filter(pk=later.pk).update(created_at=soon, licence_issued_on=soon.date())
    assert bulletins.bulletin_figures_regenerate(b) == b.figures


def test_publishing_numbers_each_series_of_an_issuer_without_gaps() -> None:
    reg = regulator()
    county_data(reg)
    first, abandoned, second = draft(reg), draft(reg), draft(reg)
    monthly = draft(reg, series="briefing")
    year = timezone.localdate().year
    assert bulletins.bulletin_publish(actor=reg, bulletin=first).number == f"〔{year}〕第1期"
    assert bulletins.bulletin_publish(actor=reg, bulletin=second).number == f"〔{year}〕第2期"
    assert bulletins.bulletin_publish(actor=reg, bulletin=monthly).number == f"〔{year}〕第1期"
    abandoned.refresh_from_db()
    assert abandoned.number == "" and abandoned.status == BulletinStatus.DRAFT
    assert document_number_peek(issuer="410202", kind="bulletin.express", year=year) == 2


def test_a_publish_that_rolls_back_gives_its_number_back() -> None:
    reg = regulator()
    county_data(reg)
    b = draft(reg)
    with pytest.raises(RuntimeError), transaction.atomic():
        bulletins.bulletin_publish(actor=reg, bulletin=b)
        raise RuntimeError("the rest of the request failed")
    b.refresh_from_db()
    assert b.status == BulletinStatus.DRAFT
    assert bulletins.bulletin_publish(actor=reg, bulletin=b).seq == 1


def test_editors_revise_the_text_before_publishing_and_never_after() -> None:
    reg = regulator()
    county_data(reg)
    b = draft(reg)
    figures = b.figures
    b = bulletins.bulletin_edit(
        actor=reg, bulletin=b, title="本周双减工作", overview_text="改写的综合工作。", counties_text="", cases_text="无"
    )
    assert (b.title, b.overview_text, b.figures) == ("本周双减工作", "改写的综合工作。", figures)
    assert AuditEvent.objects.filter(action="bulletin.edit", object_id=str(b.pk)).count() == 1
    bulletins.bulletin_publish(actor=reg, bulletin=b)
    with pytest.raises(ValidationError) as exc:
        bulletins.bulletin_edit(actor=reg, bulletin=b, title="改", overview_text="", counties_text="", cases_text="")
    assert exc.value.code == "not_draft"
    b.refresh_from_db()
    assert b.title == "本周双减工作"
    assert action_label("bulletin.publish") != "bulletin.publish"


def test_a_revision_keeps_the_number_and_replaces_the_published_issue() -> None:
    reg = regulator()
    county_data(reg)
    old = bulletins.bulletin_publish(actor=reg, bulletin=draft(reg))
    rev = bulletins.bulletin_revise(actor=reg, bulletin=old)
    assert bulletins.bulletin_revise(actor=reg, bulletin=old) == rev  # one pending revision at a time
    assert (rev.status, rev.revision, rev.figures) == (BulletinStatus.DRAFT, 2, old.figures)
    assert list(bulletins.bulletins_published()) == [old]
    rev = bulletins.bulletin_edit(
        actor=reg, bulletin=rev, title=old.title, overview_text="更正后的文字。", counties_text="", cases_text=""
    )
    rev = bulletins.bulletin_publish(actor=reg, bulletin=rev)
    old.refresh_from_db()
    assert (rev.number, rev.seq) == (old.number, old.seq)
    assert old.status == BulletinStatus.SUPERSEDED
    assert list(bulletins.bulletins_published()) == [rev]
    assert document_number_peek(issuer="410202", kind="bulletin.express", year=rev.year or 0) == 1
    with pytest.raises(ValidationError):
        bulletins.bulletin_revise(actor=reg, bulletin=rev.supersedes)  # type: ignore[arg-type]


def test_drafting_refuses_other_counties_future_and_reversed_periods() -> None:
    reg = regulator()
    county_data(reg)
    today = timezone.localdate()
    cases: list[tuple[dict[str, Any], str]] = [
        ({"division_code": "410212"}, "division_code"),
        ({"period_end": today + datetime.timedelta(days=1)}, "period_end"),
        ({"period_start": today, "period_end": today - datetime.timedelta(days=1)}, "period_end"),
        ({"period_start": today - datetime.timedelta(days=200)}, "period_start"),
        ({"series": "weekly"}, "series"),
    ]
    for change, field in cases:
        kwargs: dict[str, Any] = {
            "division_code": "410202",
            "series": "express",
            "period_start": week()[0],
            "period_end": today,
        }
        with pytest.raises(ValidationError) as exc:
            bulletins.bulletin_draft(actor=reg, **{**kwargs, **change})
        assert field in exc.value.message_dict
    assert not Bulletin.objects.exists()


def test_only_a_regulator_in_scope_publishes() -> None:
    reg = regulator()
    county_data(reg)
    b = draft(reg)
    other = regulator("b_other", "410212")
    with pytest.raises(Http404):
        bulletins.bulletin_publish(actor=other, bulletin=b)
    b.refresh_from_db()
    assert b.status == BulletinStatus.DRAFT
