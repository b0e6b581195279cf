from django.conf import settings
from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import include, path
from django.views.i18n import set_language

from shuangjian.config.api import api
from shuangjian.core import views as core_views

admin.site.site_header = "双减监管平台 管理后台"
admin.site.site_title = "双减监管平台"


def home(request: HttpRequest) -> HttpResponse:
    """The site's front door: the public portal for the public (staff sign in from it), the workbench for staff."""
    if not request.user.is_authenticated:
        return redirect("portal:home")
    return core_views.dashboard(request)


home.permission_name = core_views.dashboard.permission_name  # type: ignore[attr-defined]


urlpatterns = [
    path("", home, name="dashboard"),
    path("healthz", core_views.healthz, name="healthz"),
    path("accounts/login/", core_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", core_views.LogoutView.as_view(), name="logout"),
    path("i18n/setlang/", set_language, name="set_language"),
    path("core/", include("shuangjian.core.urls")),
    path("registry/", include("shuangjian.registry.urls")),
    path("staff/", include("shuangjian.staff.urls")),
    path("schools/", include("shuangjian.schools.urls")),
    path("courses/", include("shuangjian.courses.urls")),
    path("students/", include("shuangjian.students.urls")),
    path("funds/", include("shuangjian.funds.urls")),
    path("enforcement/", include("shuangjian.enforcement.urls")),
    path("competitions/", include("shuangjian.competitions.urls")),
    path("complaints/", include("shuangjian.complaints.urls")),
    path("public/reports/", include("shuangjian.complaints.public_urls")),
    path("oversight/", include("shuangjian.oversight.urls")),
    path("grid/", include("shuangjian.grid.urls")),
    path("public/", include("shuangjian.portal.urls")),
    path("content/", include("shuangjian.portal.manage_urls")),
    path("api/v1/", api.urls),
    path("admin/", admin.site.urls),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
