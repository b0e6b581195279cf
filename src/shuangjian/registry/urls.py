from django.urls import path

from .views import excel, institutions, lists

app_name = "registry"

# Institutions, applications, zombies, operators' pages.
urlpatterns: list = [
    path("", institutions.institution_list, name="institution_list"),
    path("institutions/<int:pk>/", institutions.institution_detail, name="institution_detail"),
    path("institutions/<int:pk>/inspections/", institutions.annual_inspection_add, name="annual_inspection_add"),
    path("institutions/<int:pk>/blacklist/", institutions.blacklist_add, name="blacklist_add"),
    path("institutions/<int:pk>/status/", institutions.institution_status, name="institution_status"),
    path("institutions/<int:pk>/deregister/", institutions.institution_deregister, name="institution_deregister"),
    path("blacklist/<int:pk>/lift/", institutions.blacklist_lift, name="blacklist_lift"),
    path("zombies/", institutions.zombie_list, name="zombies"),
    path("applications/", institutions.application_queue, name="application_queue"),
    path("applications/<int:pk>/", institutions.application_detail, name="application_detail"),
    path("applications/<int:pk>/decision.docx", institutions.application_decision, name="application_decision"),
    path(
        "applications/<int:pk>/materials/<int:material_pk>/",
        institutions.application_material,
        name="application_material",
    ),
    path("mine/", institutions.my_institution, name="my_institution"),
    path("mine/edit/", institutions.my_institution_edit, name="my_institution_edit"),
    path("mine/sites/new/", institutions.my_site_edit, name="my_site_new"),
    path("mine/sites/<int:pk>/", institutions.my_site_edit, name="my_site_edit"),
    path("apply/", institutions.apply, name="apply"),
]


urlpatterns += [
    path("imports/survey/", excel.survey_import, name="survey_import"),
    path("imports/survey/template.xlsx", excel.survey_template, name="survey_template"),
    path("jobs/", excel.job_list, name="job_list"),
    path("jobs/<int:pk>/", excel.job_detail, name="job_detail"),
    path("jobs/<int:pk>/progress/", excel.job_progress, name="job_progress"),
    path("jobs/<int:pk>/download/", excel.job_download, name="job_download"),
    path("export.xlsx", excel.institution_export, name="institution_export"),
    path("lists/white/", lists.whitelist, name="whitelist"),
    path("lists/white.xlsx", lists.whitelist_export, name="whitelist_export"),
    path("lists/black/", lists.blacklist, name="blacklist"),
    path("lists/black.xlsx", lists.blacklist_export, name="blacklist_export"),
    path("lists/publications/", lists.publications, name="publications"),
    path("lists/publications/publish/", lists.publish, name="publish"),
    path("lists/publications/<int:pk>/", lists.publication_detail, name="publication_detail"),
    path("lists/publications/<int:pk>/<str:kind>.xlsx", lists.publication_export, name="publication_export"),
]
