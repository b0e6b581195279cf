"""The public portal on a phone: ask "is this institution licensed?", read the answer; a regulator's import page."""

from __future__ import annotations

import pytest

from shuangjian.registry.models import SupervisionMode
from shuangjian.registry.tests.helpers import divisions, make_institution
from tests.conftest import screenshot

pytestmark = pytest.mark.browser


def test_phone_query_to_institution_page(page):
    divisions()
    inst = make_institution(name="开封市龙亭区启明培训学校", supervision_mode=SupervisionMode.BANK_CUSTODY)
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto("/public/")
    page.fill("#q", "启明")
    page.click("button[type=submit]")
    page.wait_for_selector("[data-testid=results] a")
    assert "银行托管" in page.inner_text("[data-testid=results]")
    screenshot(page, "portal-results-phone")
    page.click("[data-testid=results] a")
    page.wait_for_selector("h1")
    assert page.inner_text("h1") == inst.name
    body = page.inner_text("main")
    assert inst.uscc in body and "有效" in body and "11010519491231002X" not in body
    # Nothing overflows sideways on a phone.
    screenshot(page, "portal-institution-phone")
    wide = page.evaluate(
        "[...document.querySelectorAll('main *')].filter(e => e.getBoundingClientRect().right > window.innerWidth + 1)"
        ".map(e => e.tagName + '.' + e.className)"
    )
    assert wide == [], wide
