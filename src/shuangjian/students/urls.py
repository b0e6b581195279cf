from django.urls import path

from . import views

app_name = "students"

urlpatterns = [
    path("my/", views.my_children, name="my_children"),
    path("my/<int:pk>/", views.child_detail, name="child_detail"),
    path("enrolments/", views.enrolment_list, name="enrolment_list"),
    path("enrolments/export.xlsx", views.enrolment_export, name="enrolment_export"),
    path("enrolments/new/", views.enrolment_new, name="enrolment_new"),
    path("enrolments/<int:pk>/", views.enrolment_detail, name="enrolment_detail"),
    path("enrolments/<int:pk>/contract.docx", views.contract_download, name="contract_download"),
    path("enrolments/<int:pk>/confirm/", views.contract_confirm, name="contract_confirm"),
    path("enrolments/<int:pk>/binding-code/", views.binding_code_renew, name="binding_code_renew"),
    path("enrolments/<int:pk>/cancel/", views.enrolment_cancel, name="enrolment_cancel"),
    path("attendance/", views.attendance_sessions, name="attendance_sessions"),
    path("attendance/<int:pk>/", views.attendance_sheet, name="attendance_sheet"),
]
