"""The JSON API under /api/v1/: every app's router mounted on one NinjaAPI."""

from ninja import NinjaAPI

from shuangjian.complaints.api import router as open311_router
from shuangjian.compliance.api import router as compliance_router
from shuangjian.core.api import router as core_router
from shuangjian.core.api_errors import install_error_handlers
from shuangjian.courses.api import router as courses_router
from shuangjian.enforcement.api import router as enforcement_router
from shuangjian.funds.api import router as funds_router
from shuangjian.grid.api import router as grid_router
from shuangjian.oversight.api import router as oversight_router
from shuangjian.portal.api import router as public_router
from shuangjian.portal.competitions import router as public_competitions_router
from shuangjian.registry.api import router as registry_router
from shuangjian.schools.api import router as schools_router
from shuangjian.staff.api import router as staff_router
from shuangjian.students.api import router as students_router

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
api.add_router("/registry", registry_router)
api.add_router("/staff", staff_router)
api.add_router("/schools", schools_router)
api.add_router("/courses", courses_router)
api.add_router("/compliance", compliance_router)
api.add_router("/students", students_router)
api.add_router("/enforcement", enforcement_router)
api.add_router("/grid", grid_router)
api.add_router("/oversight", oversight_router)
# Banks post notifications to /api/v1/banks/<bank_code>/notifications; the funds router owns /banks and /funds.
api.add_router("", funds_router)
api.add_router("/public/open311", open311_router)
api.add_router("/public", public_router)
api.add_router("/public/competitions", public_competitions_router)
