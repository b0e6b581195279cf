"""Bulletin pages: a regulator drafts from a period, edits, publishes and downloads; a county regulator sees only
their own bulletins; the public sees only published ones, under the portal's 工作简报 section."""

from __future__ import annotations

import datetime

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from shuangjian.oversight import bulletins
from shuangjian.oversight.models import Bulletin, BulletinStatus

from .bulletin_helpers import county_data, draft, regulator, week

pytestmark = pytest.mark.django_db


def _client(user: object) -> Client:
    c = Client()
    c.force_login(user)  # type: ignore[arg-type]
    return c


def test_a_regulator_drafts_edits_publishes_and_downloads() -> None:
    reg = regulator()
    county_data(reg)
    c = _client(reg)
    start, end = week()
    form = c.get(reverse("oversight:bulletin_new"))
    assert form.status_code == 200 and "龙亭区" in form.content.decode()
    r = c.post(
        reverse("oversight:bulletin_new"),
        {
            "division_code": "410202",
            "series": "express",
            "period_start": start.isoformat(),
            "period_end": end.isoformat(),
        },
    )
    b = Bulletin.objects.get()
    assert r.status_code == 302 and r["Location"] == reverse("oversight:bulletin_detail", args=[b.pk])
    page = c.get(r["Location"]).content.decode()
    assert "一、综合工作" in page and "本期完成检查2次。" in page and "inspections_done" in page
    r = c.post(
        reverse("oversight:bulletin_edit", args=[b.pk]),
        {"title": "第一周工作", "overview_text": "综合。", "counties_text": "", "cases_text": ""},
    )
    assert r.status_code == 302
    r = c.post(reverse("oversight:bulletin_publish", args=[b.pk]))
    b.refresh_from_db()
    assert b.status == BulletinStatus.PUBLISHED and b.title == "第一周工作"
    # Published: the edit page sends the editor back, nothing changes.
    r = c.post(
        reverse("oversight:bulletin_edit", args=[b.pk]),
        {"title": "改", "overview_text": "", "counties_text": "", "cases_text": ""},
    )
    assert r.status_code == 302
    b.refresh_from_db()
    assert b.title == "第一周工作"
    docx = c.get(reverse("oversight:bulletin_docx", args=[b.pk]))
    assert docx.status_code == 200 and docx["Content-Type"].endswith("wordprocessingml.document")
    assert docx.content[:2] == b"PK"


def test_drafting_a_future_period_is_a_form_error_not_a_500() -> None:
    reg = regulator()
    county_data(reg)
    today = timezone.localdate()
    r = _client(reg).post(
        reverse("oversight:bulletin_new"),
        {
            "division_code": "410202",
            "series": "express",
            "period_start": today.isoformat(),
            "period_end": (today + datetime.timedelta(days=3)).isoformat(),
        },
    )
    assert r.status_code == 200 and "统计期尚未结束" in r.content.decode()
    assert not Bulletin.objects.exists()


def test_a_county_regulator_sees_only_its_own_bulletins() -> None:
    reg = regulator()
    county_data(reg)
    own = draft(reg)
    other_reg = regulator("b_other", "410212")
    other = draft(other_reg, "410212")
    city = draft(regulator("b_city", "4102"), "4102")
    c = _client(reg)
    listing = c.get(reverse("oversight:bulletin_list")).content.decode()
    assert reverse("oversight:bulletin_detail", args=[own.pk]) in listing
    assert reverse("oversight:bulletin_detail", args=[other.pk]) not in listing
    for b in (other, city):
        assert c.get(reverse("oversight:bulletin_detail", args=[b.pk])).status_code == 404
        assert c.get(reverse("oversight:bulletin_docx", args=[b.pk])).status_code == 404
        assert c.post(reverse("oversight:bulletin_publish", args=[b.pk])).status_code == 404
    # The city reaches every county's.
    city_listing = _client(regulator("b_city2", "4102")).get(reverse("oversight:bulletin_list")).content.decode()
    assert all(reverse("oversight:bulletin_detail", args=[b.pk]) in city_listing for b in (own, other, city))


def test_the_public_sees_only_published_bulletins_under_the_portal_section() -> None:
    reg = regulator()
    county_data(reg)
    published = bulletins.bulletin_publish(actor=reg, bulletin=draft(reg))
    pending = draft(reg)
    public = Client()
    section = public.get(reverse("portal:article_section", args=["bulletin"])).content.decode()
    assert reverse("portal:bulletin", args=[published.pk]) in section and published.number in section
    assert reverse("portal:bulletin", args=[pending.pk]) not in section
    page = public.get(reverse("portal:bulletin", args=[published.pk]))
    assert page.status_code == 200 and published.number in page.content.decode()
    assert public.get(reverse("portal:bulletin", args=[pending.pk])).status_code == 404
    # Staff pages stay closed to the public.
    assert public.get(reverse("oversight:bulletin_detail", args=[published.pk])).status_code == 302
    # Another county's public sees the city's and its own, not a neighbour's.
    other = public.get(reverse("portal:article_section", args=["bulletin"]) + "?county=410212").content.decode()
    assert reverse("portal:bulletin", args=[published.pk]) not in other
