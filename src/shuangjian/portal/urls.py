from django.urls import path

from . import competitions, views

app_name = "portal"

urlpatterns = [
    path("", views.home, name="home"),
    path("search/", views.search, name="search"),
    path("institutions/<str:uscc>/", views.institution, name="institution"),
    path("whitelist/", views.whitelist, name="whitelist"),
    path("blacklist/", views.blacklist, name="blacklist"),
    path("competitions/", competitions.competition_lookup, name="competitions"),
    path("exposure/", views.exposure, name="exposure"),
    path("publications/<int:pk>/", views.publication, name="publication"),
    path("publications/<int:pk>/<str:kind>.xlsx", views.publication_export, name="publication_export"),
    path("articles/<int:pk>/", views.article, name="article"),
    path("articles/<int:pk>/files/<int:attachment_pk>/", views.article_attachment, name="article_attachment"),
    path("bulletins/<int:pk>/", views.bulletin, name="bulletin"),
    path("sections/<slug:kind>/", views.article_section, name="article_section"),
]
