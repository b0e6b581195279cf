"""Every asset comes from our own server: government intranets have no internet, and no CDN is trusted."""

from urllib.parse import urlsplit

import pytest

from tests.conftest import screenshot

pytestmark = pytest.mark.browser


def test_api_docs_render_with_no_request_leaving_the_server(page, live_server):
    own_host = urlsplit(live_server.url).netloc
    foreign: list[str] = []
    page.on(
        "request", lambda request: None if urlsplit(request.url).netloc == own_host else foreign.append(request.url)
    )

    page.goto("/api/v1/docs")
    page.wait_for_selector(".swagger-ui .info .title")
    assert "Shuangjian API" in page.inner_text(".swagger-ui .info .title")
    screenshot(page, "api-docs")

    failed: list[str] = []
    page.on("response", lambda response: failed.append(response.url) if response.status >= 400 else None)
    page.goto("/accounts/login/")
    page.wait_for_load_state("networkidle")
    assert foreign == []
    assert failed == [], "every stylesheet, script and icon the layout asks for exists"
