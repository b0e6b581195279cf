from django.urls import path

from .views import bulletins

app_name = "oversight"

urlpatterns = [
    # --- bulletins ---
    path("bulletins/", bulletins.bulletin_list, name="bulletin_list"),
    path("bulletins/new/", bulletins.bulletin_new, name="bulletin_new"),
    path("bulletins/<int:pk>/", bulletins.bulletin_detail, name="bulletin_detail"),
    path("bulletins/<int:pk>/edit/", bulletins.bulletin_edit, name="bulletin_edit"),
    path("bulletins/<int:pk>/publish/", bulletins.bulletin_publish, name="bulletin_publish"),
    path("bulletins/<int:pk>/revise/", bulletins.bulletin_revise, name="bulletin_revise"),
    path("bulletins/<int:pk>/docx/", bulletins.bulletin_docx, name="bulletin_docx"),
]
