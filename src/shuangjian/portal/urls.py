from django.urls import path

from . import views

app_name = "portal"

urlpatterns = [
    path("", views.home, name="home"),
    path("search/", views.search, name="search"),
    path("institutions/<str:uscc>/", views.institution, name="institution"),
    path("whitelist/", views.whitelist, name="whitelist"),
    path("blacklist/", views.blacklist, name="blacklist"),
    path("exposure/", views.exposure, name="exposure"),
    path("publications/<int:pk>/", views.publication, name="publication"),
    path("publications/<int:pk>/<str:kind>.xlsx", views.publication_export, name="publication_export"),
]
