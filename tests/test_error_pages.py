"""Error pages a person may meet: Chinese, inside the layout, never Django's English defaults."""

import pytest
from django.template.loader import render_to_string
from django.test import Client


@pytest.mark.django_db
def test_expired_form_shows_the_chinese_csrf_page():
    client = Client(enforce_csrf_checks=True)
    response = client.post("/accounts/login/", {"username": "lt_edu", "password": "x"})
    assert response.status_code == 403
    page = response.content.decode()
    assert 'data-testid="csrf-failure"' in page
    assert "页面已过期" in page
    assert "CSRF verification failed" not in page


@pytest.mark.django_db
def test_unknown_page_is_a_chinese_404(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert "页面不存在，或不在您的管辖范围内。" in response.content.decode()


def test_500_page_renders_without_context():
    page = render_to_string("500.html")
    assert "服务器内部错误" in page
    assert "A server error occurred" in page
