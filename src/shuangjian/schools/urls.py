from django.urls import path

from . import views

app_name = "schools"

urlpatterns = [
    path("rosters/", views.roster_upload, name="roster_upload"),
    path("rosters/template.xlsx", views.roster_template, name="roster_template"),
]
