from django.urls import path

from . import views, views_afterschool, views_teachers

app_name = "schools"

urlpatterns = [
    path("rosters/", views.roster_upload, name="roster_upload"),
    path("rosters/template.xlsx", views.roster_template, name="roster_template"),
    path("afterschool/", views_afterschool.afterschool_home, name="afterschool"),
    path("afterschool/plan/edit/", views_afterschool.plan_edit, name="plan_edit"),
    path("afterschool/classes/add/", views_afterschool.class_add, name="class_add"),
    path("afterschool/classes/import/", views_afterschool.classes_import, name="classes_import"),
    path("afterschool/classes/template.xlsx", views_afterschool.classes_template, name="classes_template"),
    path("afterschool/coverage/", views_afterschool.coverage, name="coverage"),
    path("afterschool/coverage.xlsx", views_afterschool.coverage_export, name="coverage_export"),
    path("pledges/", views_teachers.pledge_list, name="pledge_list"),
    path("pledges/prepare/", views_teachers.pledges_prepare, name="pledges_prepare"),
    path("pledges/<int:pk>/docx/", views_teachers.pledge_docx, name="pledge_docx"),
    path("pledges/<int:pk>/paper/", views_teachers.pledge_paper, name="pledge_paper"),
    path("pledge/<str:token>/", views_teachers.pledge_sign, name="pledge_sign"),
    path("cases/", views_teachers.case_list, name="case_list"),
    path("cases/<int:pk>/", views_teachers.case_detail, name="case_detail"),
]
