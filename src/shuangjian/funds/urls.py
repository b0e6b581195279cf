from django.urls import path

from . import views, views_setup

app_name = "funds"

urlpatterns: list = [
    # Supervision setup (f1).
    path("setup/", views_setup.setup, name="setup"),
    path("banks/", views_setup.banks, name="banks"),
    # Release, refunds, bank batches, reconciliation and the regulator view (f2).
    path("my/", views.parent, name="parent"),
    path("my/lessons/<int:pk>/confirm/", views.consumption_confirm, name="consumption_confirm"),
    path("my/lessons/<int:pk>/dispute/", views.consumption_dispute, name="consumption_dispute"),
    path("my/enrolments/<int:enrolment_id>/refund/", views.refund_apply, name="refund_apply"),
    path("my/refunds/<int:pk>/receipt/", views.refund_receipt, name="refund_receipt"),
    path("institution/", views.institution, name="institution"),
    path("institution/refunds/<int:pk>/", views.refund_answer, name="refund_answer"),
    path("institution/refunds/<int:pk>/paid/", views.refund_paid_direct, name="refund_paid_direct"),
    path("bank/", views.bank, name="bank"),
    path("bank/batches/<int:pk>/download/", views.batch_download, name="batch_download"),
    path("bank/batches/<int:pk>/execute/", views.batch_execute, name="batch_execute"),
    path("reconcile/", views.reconcile_list, name="reconcile"),
    path("reconcile/cases/<int:pk>/", views.discrepancy_detail, name="discrepancy"),
    path("overview/", views.overview, name="overview"),
    path("cases/", views.cases, name="cases"),
    path("cases/disputes/<int:pk>/", views.dispute_resolve, name="dispute_resolve"),
    path("cases/refunds/<int:pk>/order/", views.refund_order, name="refund_order"),
    path("cases/refunds/<int:pk>/reorder/", views.refund_reorder, name="refund_reorder"),
]
