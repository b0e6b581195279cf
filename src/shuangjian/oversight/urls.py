from django.urls import path

from . import evaluation_views, order_views
from .views import bulletins

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
    # Bulletins.
    path("bulletins/", bulletins.bulletin_list, name="bulletin_list"),
    path("bulletins/new/", bulletins.bulletin_new, name="bulletin_new"),
    path("bulletins/<int:pk>/", bulletins.bulletin_detail, name="bulletin_detail"),
    path("bulletins/<int:pk>/edit/", bulletins.bulletin_edit, name="bulletin_edit"),
    path("bulletins/<int:pk>/publish/", bulletins.bulletin_publish, name="bulletin_publish"),
    path("bulletins/<int:pk>/revise/", bulletins.bulletin_revise, name="bulletin_revise"),
    path("bulletins/<int:pk>/docx/", bulletins.bulletin_docx, name="bulletin_docx"),
]
