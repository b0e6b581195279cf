"""One number, one setting: funds' configurable numbers are read where they are used and shown as in force."""

from __future__ import annotations

import datetime
import pathlib

import pytest
from django.conf import settings as django_settings
from django.test import Client

from shuangjian.core.calendar import add_working_days

from .. import release, rules
from .conftest import World
from .factories import operator_of, parent_of
from .test_release import attend, pay

pytestmark = pytest.mark.django_db

ROOT = pathlib.Path(__file__).resolve().parents[4]


def test_the_confirm_deadline_has_one_setting() -> None:
    assert not hasattr(django_settings, "FUNDS_AUTO_CONFIRM_WORKING_DAYS")
    for where in ("src", "docs"):
        for path in (ROOT / where).rglob("*"):
            if path.suffix in {".py", ".md", ".html", ".txt"} and path.name != pathlib.Path(__file__).name:
                assert "FUNDS_AUTO_CONFIRM_WORKING_DAYS" not in path.read_text(encoding="utf-8"), path


def test_the_confirm_setting_moves_the_auto_confirm_deadline(world: World, settings) -> None:
    pay(world, 50_000)
    lesson = datetime.date(2026, 3, 2)
    settings.FUNDS_CONFIRM_WORKING_DAYS = 7
    request = release.consumption_request_create_for_attendance(attend(world, lesson))
    assert request is not None and request.due_date == add_working_days(lesson, 7)
    # Unset (None, as settings/base.py leaves it without the environment variable): the rules default.
    settings.FUNDS_CONFIRM_WORKING_DAYS = None
    assert rules.confirm_working_days() == rules.CONFIRM_WORKING_DAYS


def test_refund_messages_show_the_silence_period_in_force(world: World, client: Client, settings) -> None:
    settings.FUNDS_REFUND_SILENCE_WORKING_DAYS = 3
    pay(world, 30_000)
    client.force_login(parent_of(world.enrolment))
    r = client.post(
        f"/funds/my/enrolments/{world.enrolment.pk}/refund/", {"reason": "不想学了", "confirm": "on"}, follow=True
    )
    page = r.content.decode()
    assert "3 个工作日" in page and "5 个工作日" not in page
    client.force_login(operator_of(world.institution))
    page = client.get("/funds/institution/").content.decode()
    assert "3 个工作日" in page and "5 个工作日" not in page
