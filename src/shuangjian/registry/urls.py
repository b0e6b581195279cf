from django.urls import path

app_name = "registry"

urlpatterns: list = []

# Survey import, Excel exports, white/black lists and their publication (issue 4, h6).
from . import views_imports, views_lists  # noqa: E402

urlpatterns += [
    path("imports/survey/", views_imports.survey_import, name="survey_import"),
    path("imports/survey/template.xlsx", views_imports.survey_template, name="survey_template"),
    path("jobs/", views_imports.job_list, name="job_list"),
    path("jobs/<int:pk>/", views_imports.job_detail, name="job_detail"),
    path("jobs/<int:pk>/progress/", views_imports.job_progress, name="job_progress"),
    path("jobs/<int:pk>/download/", views_imports.job_download, name="job_download"),
    path("export.xlsx", views_imports.institution_export, name="institution_export"),
    path("lists/white/", views_lists.whitelist, name="whitelist"),
    path("lists/white.xlsx", views_lists.whitelist_export, name="whitelist_export"),
    path("lists/black/", views_lists.blacklist, name="blacklist"),
    path("lists/black.xlsx", views_lists.blacklist_export, name="blacklist_export"),
    path("lists/publications/", views_lists.publications, name="publications"),
    path("lists/publications/publish/", views_lists.publish, name="publish"),
    path("lists/publications/<int:pk>/", views_lists.publication_detail, name="publication_detail"),
    path("lists/publications/<int:pk>/<str:kind>.xlsx", views_lists.publication_export, name="publication_export"),
]
