"""List endpoints refuse or clamp offsets that the database could not hold (found by API fuzzing)."""

import pytest

from shuangjian.core.tests.factories import RegulatorFactory

HUGE = 9_223_372_036_854_775_807


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/api/v1/staff/employments", "/api/v1/students/enrolments"])
def test_huge_offset_is_a_422_not_a_500(client, url):
    client.force_login(RegulatorFactory.create())
    response = client.get(url, {"offset": HUGE})
    assert response.status_code == 422
    assert response.json()["code"] == "validation_error"


@pytest.mark.django_db
def test_huge_offset_on_courses_is_clamped_to_an_empty_page(client):
    client.force_login(RegulatorFactory.create())
    response = client.get("/api/v1/courses/courses", {"offset": HUGE})
    assert response.status_code == 200
    assert response.json() == []
