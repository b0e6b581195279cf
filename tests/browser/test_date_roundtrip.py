"""A date survives an unchanged save in a real browser: the date picker shows it and submits it back."""

import datetime
from decimal import Decimal

import pytest

from shuangjian.core.tests.factories import TEST_PASSWORD
from shuangjian.registry.models import InstitutionOperator, Site
from shuangjian.registry.tests.factories import InstitutionFactory, OperatorFactory, SiteFactory
from tests.browser.test_login import login
from tests.conftest import screenshot

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("width", [1280, 390])
def test_site_saved_unchanged_keeps_its_lease_end(page, live_server, width):
    institution = InstitutionFactory()
    operator = OperatorFactory(username="op_site")
    InstitutionOperator.objects.create(user=operator, institution=institution)
    site = SiteFactory(institution=institution, lease_end=datetime.date(2030, 3, 28), usable_area_m2=Decimal("180"))

    page.set_viewport_size({"width": width, "height": 900})
    login(page, "op_site", TEST_PASSWORD)
    page.wait_for_selector("[data-testid=whoami]", state="attached")
    page.goto(f"/registry/mine/sites/{site.pk}/")
    lease = page.locator("input[name=lease_end]")
    # The picker holds the date (a value in any other syntax would be shown, and submitted, empty).
    assert lease.input_value() == "2030-03-28"
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    screenshot(page, f"site-edit-{width}")
    page.locator("form.col-12 button.btn-primary").click()
    page.wait_for_url("**/registry/mine/")
    assert page.locator(".alert-success").count() == 1

    site.refresh_from_db()
    assert site.lease_end == datetime.date(2030, 3, 28)
    assert Site.objects.get(pk=site.pk).usable_area_m2 == Decimal("180")
