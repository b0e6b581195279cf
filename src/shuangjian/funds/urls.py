from django.urls import path

from .views import movements, supervision

app_name = "funds"

urlpatterns: list = [
    # Supervision setup.
    path("setup/", supervision.setup, name="setup"),
    path("banks/", supervision.banks, name="banks"),
    # Release, refunds, bank batches, reconciliation and the regulator view.
    path("my/", movements.parent, name="parent"),
    path("my/lessons/<int:pk>/confirm/", movements.consumption_confirm, name="consumption_confirm"),
    path("my/lessons/<int:pk>/dispute/", movements.consumption_dispute, name="consumption_dispute"),
    path("my/enrolments/<int:enrolment_id>/refund/", movements.refund_apply, name="refund_apply"),
    path("my/refunds/<int:pk>/receipt/", movements.refund_receipt, name="refund_receipt"),
    path("my/refunds/<int:pk>/withdraw/", movements.refund_withdraw, name="refund_withdraw"),
    path("institution/", movements.institution, name="institution"),
    path("institution/refunds/<int:pk>/", movements.refund_answer, name="refund_answer"),
    path("institution/refunds/<int:pk>/paid/", movements.refund_paid_direct, name="refund_paid_direct"),
    path("institution/orders/<str:order_no>/paid/", movements.order_paid_direct, name="order_paid_direct"),
    path("bank/", movements.bank, name="bank"),
    path("bank/batches/<int:pk>/download/", movements.batch_download, name="batch_download"),
    path("bank/batches/<int:pk>/execute/", movements.batch_execute, name="batch_execute"),
    path("reconcile/", movements.reconcile_list, name="reconcile"),
    path("reconcile/cases/<int:pk>/", movements.discrepancy_detail, name="discrepancy"),
    path("overview/", movements.overview, name="overview"),
    path("cases/", movements.cases, name="cases"),
    path("cases/disputes/<int:pk>/", movements.dispute_resolve, name="dispute_resolve"),
    path("cases/refunds/<int:pk>/order/", movements.refund_order, name="refund_order"),
    path("cases/refunds/<int:pk>/reorder/", movements.refund_reorder, name="refund_reorder"),
    path("cases/refunds/<int:pk>/from-deposit/", movements.refund_pay_from_deposit, name="refund_pay_from_deposit"),
]
