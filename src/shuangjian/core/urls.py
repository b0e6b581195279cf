from django.urls import path

from . import export_views, views

app_name = "core"

urlpatterns = [
    path("profile/", views.profile, name="profile"),
    path("profile/password/", views.PasswordChangeView.as_view(), name="password_change"),
    path("profile/tokens/<int:pk>/revoke/", views.token_revoke, name="token_revoke"),
    path("audit/", views.audit_list, name="audit_list"),
    path("audit/export/", views.audit_export, name="audit_export"),
    path("exports/", export_views.export_list, name="export_list"),
    path("exports/<int:pk>/", export_views.export_job, name="export_job"),
    path("exports/<int:pk>/progress/", export_views.export_progress, name="export_progress"),
    path("exports/<int:pk>/count/", export_views.exact_count_panel, name="exact_count"),
    path("exports/<int:pk>/download/", export_views.export_download, name="export_download"),
]
