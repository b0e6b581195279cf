from django.urls import path

from . import evaluation_views, order_views

app_name = "oversight"

urlpatterns = [
    # Orders, measures, evaluation and dashboards.
    path("", evaluation_views.dashboard, name="dashboard"),
    path("orders/", order_views.order_list, name="order_list"),
    path("orders/new/", order_views.order_new, name="order_new"),
    path("orders/<int:pk>/", order_views.order_detail, name="order_detail"),
    path("orders/<int:pk>/reply/", order_views.order_reply, name="order_reply"),
    path("orders/<int:pk>/decide/", order_views.order_decide, name="order_decide"),
    path("orders/<int:pk>/order.docx", order_views.order_docx, name="order_docx"),
    path("measures/new/", order_views.measure_new, name="measure_new"),
    path("measures/<int:pk>/", order_views.measure_detail, name="measure_detail"),
    path("measures/<int:pk>/measure.docx", order_views.measure_docx, name="measure_docx"),
    path("evaluation/", evaluation_views.evaluation_table, name="evaluation"),
    path("evaluation/compute/", evaluation_views.evaluation_compute, name="evaluation_compute"),
    path("evaluation/method/", evaluation_views.evaluation_method, name="evaluation_method"),
    path("evaluation/<int:pk>/export.xlsx", evaluation_views.evaluation_export, name="evaluation_export"),
    path("evaluation/<int:pk>/<str:county>/<str:key>/", evaluation_views.evaluation_drill, name="evaluation_drill"),
]
