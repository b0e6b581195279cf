app_name = "enforcement"

# Pages register here as the enforcement modules land (plans, inspections, notices, cases, exposure).
urlpatterns: list = []

# --- Penalty cases (cases area) ----------------------------------------------------------------------------------
from django.urls import path  # noqa: E402

from .views import cases as case_views  # noqa: E402

urlpatterns += [
    path("cases/", case_views.case_list, name="case_list"),
    path("cases/export.xlsx", case_views.case_export, name="case_export"),
    path("cases/new/", case_views.case_new, name="case_new"),
    path("cases/mine/", case_views.my_cases, name="my_cases"),
    path("cases/<int:pk>/", case_views.case_detail, name="case_detail"),
    path("cases/<int:pk>/act/", case_views.case_action, name="case_action"),
    path("cases/<int:pk>/propose/", case_views.case_propose, name="case_propose"),
    path("cases/<int:pk>/documents/<str:kind>/issue/", case_views.case_document_issue, name="case_document_issue"),
    path("cases/<int:pk>/documents/<int:doc_pk>.docx", case_views.case_document, name="case_document"),
    path("cases/<int:pk>/defence/", case_views.case_defence, name="case_defence"),
    path("cases/<int:pk>/hearing/", case_views.case_hearing, name="case_hearing"),
    path("cases/<int:pk>/extend/", case_views.case_extend, name="case_extend"),
    path("cases/<int:pk>/publish/", case_views.case_publish, name="case_publish"),
]
