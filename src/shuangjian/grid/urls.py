from django.urls import path

from . import views

app_name = "grid"

urlpatterns = [
    path("", views.home, name="home"),
    path("cells/<str:code>/", views.cell_detail, name="cell"),
    path("cells/<str:code>/zero/", views.report_zero, name="report_zero"),
    path("cells/<str:code>/report/", views.report_new, name="report_new"),
    path("reports/", views.report_list, name="report_list"),
    path("reports/<int:pk>/", views.report_detail, name="report_detail"),
    path("findings/<int:pk>/", views.finding_detail, name="finding_detail"),
    path("findings/<int:pk>/lead/", views.finding_lead, name="finding_lead"),
    path("findings/<int:pk>/report/", views.finding_report, name="finding_report"),
    path("findings/<int:pk>/photo/", views.finding_photo, name="finding_photo"),
    path("assignments/", views.assignments, name="assignments"),
    path("assignments/<int:pk>/end/", views.assignment_end, name="assignment_end"),
    path("rates/", views.rates, name="rates"),
    path("rates/export.xlsx", views.rates_export, name="rates_export"),
]
