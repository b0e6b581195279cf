from django.urls import path

from . import views

app_name = "complaints"

urlpatterns = [
    path("", views.report_list, name="report_list"),
    path("new/", views.report_new, name="report_new"),
    path("statistics/", views.statistics, name="statistics"),
    path("<int:pk>/", views.report_detail, name="report_detail"),
    path("<int:pk>/act/<str:action>/", views.report_act, name="report_act"),
    path("<int:pk>/photos/<int:photo_pk>/", views.report_photo, name="report_photo"),
]
