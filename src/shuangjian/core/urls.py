from django.urls import path

from . import views

app_name = "core"

urlpatterns = [
    path("profile/", views.profile, name="profile"),
    path("profile/password/", views.PasswordChangeView.as_view(), name="password_change"),
    path("profile/tokens/<int:pk>/revoke/", views.token_revoke, name="token_revoke"),
    path("audit/", views.audit_list, name="audit_list"),
    path("audit/export/", views.audit_export, name="audit_export"),
]
