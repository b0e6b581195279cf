from django.urls import path

from .views import plans as plan_views
from .views import stats as stats_views

app_name = "enforcement"

# Pages register here as the enforcement modules land (plans, inspections, notices, cases, exposure).
urlpatterns: list = []

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
