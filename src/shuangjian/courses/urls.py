from django.urls import path

from . import views

app_name = "courses"

urlpatterns = [
    path("", views.course_list, name="course_list"),
    path("new/", views.course_form, name="course_create"),
    path("<int:pk>/", views.course_detail, name="course_detail"),
    path("<int:pk>/edit/", views.course_form, name="course_edit"),
    path("groups/", views.class_group_list, name="class_group_list"),
    path("groups/new/", views.class_group_form, name="class_group_create"),
    path("groups/<int:pk>/", views.class_group_detail, name="class_group_detail"),
    path("groups/<int:pk>/edit/", views.class_group_form, name="class_group_edit"),
    path("sessions/<int:pk>/edit/", views.session_edit, name="session_edit"),
    path("sessions/<int:pk>/cancel/", views.session_cancel, name="session_cancel"),
    path("materials/", views.material_queue, name="material_queue"),
    path("materials/<int:pk>/review/", views.material_review, name="material_review"),
    path("materials/<int:pk>/file/", views.material_download, name="material_download"),
    path("violations/", views.violation_list, name="violation_list"),
    path("violations/<int:pk>/open/", views.violation_open, name="violation_open"),
    path("violations/<int:pk>/<str:action>/", views.violation_act, name="violation_act"),
    path("violations/scan/", views.violation_scan_start, name="violation_scan_start"),
    path("violations/scan/<int:pk>/", views.violation_scan_job, name="violation_scan_job"),
    path("prices/", views.guidance_prices, name="guidance_prices"),
]
