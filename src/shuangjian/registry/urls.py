from django.urls import path

from . import views

app_name = "registry"

# Institutions, applications, zombies, operators' pages (issue 4, h5).
urlpatterns: list = [
    path("", views.institution_list, name="institution_list"),
    path("institutions/<int:pk>/", views.institution_detail, name="institution_detail"),
    path("institutions/<int:pk>/inspections/", views.annual_inspection_add, name="annual_inspection_add"),
    path("institutions/<int:pk>/blacklist/", views.blacklist_add, name="blacklist_add"),
    path("institutions/<int:pk>/status/", views.institution_status, name="institution_status"),
    path("institutions/<int:pk>/deregister/", views.institution_deregister, name="institution_deregister"),
    path("blacklist/<int:pk>/lift/", views.blacklist_lift, name="blacklist_lift"),
    path("zombies/", views.zombie_list, name="zombies"),
    path("applications/", views.application_queue, name="application_queue"),
    path("applications/<int:pk>/", views.application_detail, name="application_detail"),
    path("applications/<int:pk>/decision.docx", views.application_decision, name="application_decision"),
    path("applications/<int:pk>/materials/<int:material_pk>/", views.application_material, name="application_material"),
    path("mine/", views.my_institution, name="my_institution"),
    path("mine/edit/", views.my_institution_edit, name="my_institution_edit"),
    path("mine/sites/new/", views.my_site_edit, name="my_site_new"),
    path("mine/sites/<int:pk>/", views.my_site_edit, name="my_site_edit"),
    path("apply/", views.apply, name="apply"),
]

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
