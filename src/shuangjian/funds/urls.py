from django.urls import path

from . import views_setup

app_name = "funds"

# Supervision setup (f1). Release, refunds, reconciliation and the regulator view add their routes below.
urlpatterns: list = [
    path("setup/", views_setup.setup, name="setup"),
    path("banks/", views_setup.banks, name="banks"),
]
