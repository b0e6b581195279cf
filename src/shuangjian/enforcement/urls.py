from django.urls import path

from .views import inspections as insp_views
from .views import notices as notice_views
from .views import plans as plan_views
from .views import stats as stats_views

app_name = "enforcement"

# Pages register here as the enforcement modules land (plans, inspections, notices, cases, exposure).
urlpatterns: list = []

# --- Inspections area: my tasks, inspections, evidence, notices, summons, signs and ads ---------------------------
urlpatterns += [
    path("tasks/", insp_views.my_tasks, name="my_tasks"),
    path("inspections/", insp_views.inspection_list, name="inspection_list"),
    path("inspections/export/", insp_views.inspection_export, name="inspection_export"),
    path("inspections/new/", insp_views.inspection_new, name="inspection_new"),
    path("inspections/<int:pk>/", insp_views.inspection_detail, name="inspection_detail"),
    path("inspections/<int:pk>/record/", insp_views.inspection_record, name="inspection_record"),
    path("inspections/<int:pk>/notice/", notice_views.notice_issue, name="notice_issue"),
    path("evidence/<int:pk>/", insp_views.evidence_photo, name="evidence_photo"),
    path("notices/", notice_views.notice_list, name="notice_list"),
    path("notices/export/", notice_views.notice_export, name="notice_export"),
    path("notices/<int:pk>/", notice_views.notice_detail, name="notice_detail"),
    path("notices/<int:pk>/action/", notice_views.notice_action, name="notice_action"),
    path("notices/<int:pk>/summons/", notice_views.notice_summons, name="notice_summons"),
    path("notices/<int:pk>/docx/", notice_views.notice_docx, name="notice_docx"),
    path("my/notices/", notice_views.my_notices, name="my_notices"),
    path("my/notices/<int:pk>/", notice_views.my_notice_detail, name="my_notice_detail"),
    path("my/notices/<int:pk>/docx/", notice_views.my_notice_docx, name="my_notice_docx"),
    path("ads/", insp_views.ad_list, name="ad_list"),
    path("ads/new/", insp_views.ad_new, name="ad_new"),
    path("ads/<int:pk>/removed/", insp_views.ad_removed, name="ad_removed"),
]

# --- plans and the random draw (双随机一公开), coverage and county statistics ---
urlpatterns += [
    path("plans/", plan_views.plan_list, name="plan_list"),
    path("plans/<int:pk>/", plan_views.plan_detail, name="plan_detail"),
    path("plans/<int:pk>/rounds/<int:round_no>/commit/", plan_views.plan_round_commit, name="plan_round_commit"),
    path("draws/<int:pk>/", plan_views.draw_detail, name="draw_detail"),
    path("draws/<int:pk>/draw/", plan_views.draw_perform, name="draw_perform"),
    path("draws/<int:pk>/publish/", plan_views.draw_publish, name="draw_publish"),
    path("draws/<int:pk>/redraw/", plan_views.draw_redraw, name="draw_redraw"),
    path("conflicts/", plan_views.conflict_list, name="conflict_list"),
    path("coverage/", stats_views.coverage_page, name="coverage"),
    path("statistics/", stats_views.statistics_page, name="statistics"),
    # Public (no sign-in): anyone may check a draw.
    path("public/draws/", plan_views.public_draw_list, name="public_draw_list"),
    path("public/draws/<int:pk>/", plan_views.public_draw, name="public_draw"),
    path("public/draws/<int:pk>/draw.json", plan_views.public_draw_json, name="public_draw_json"),
]
