"""The JSON API under /api/v1/: every app's router mounted on one NinjaAPI."""

from ninja import NinjaAPI

from shuangjian.core.api import router as core_router
from shuangjian.core.api_errors import install_error_handlers

api = NinjaAPI(
    title="双减 Shuangjian API",
    version="1",
    description=(
        '校外培训监管平台接口。错误统一返回 JSON `{"detail": ..., "code": ...}`。'
        "程序调用请在请求头携带 `Authorization: Bearer <令牌>`；公开接口位于 `/api/v1/public/`。"
    ),
    urls_namespace="api",
    docs_url="/docs",
    openapi_url="/openapi.json",
)
install_error_handlers(api)
api.add_router("/core", core_router)
