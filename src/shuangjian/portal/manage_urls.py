"""The regulator's content pages, mounted at /content/ (outside the public portal's namespace)."""

from django.urls import path

from . import manage_views as views

app_name = "content"

urlpatterns = [
    path("", views.article_list, name="article_list"),
    path("new/", views.article_create, name="article_create"),
    path("<int:pk>/", views.article_detail, name="article_detail"),
    path("<int:pk>/edit/", views.article_edit, name="article_edit"),
    path("<int:pk>/publish/", views.article_publish, name="article_publish"),
    path("<int:pk>/unpublish/", views.article_unpublish, name="article_unpublish"),
    path("<int:pk>/delete/", views.article_delete, name="article_delete"),
    path("<int:pk>/attachments/", views.attachment_add, name="attachment_add"),
    path("attachments/<int:pk>/", views.attachment_download, name="attachment_download"),
    path("attachments/<int:pk>/delete/", views.attachment_delete, name="attachment_delete"),
    path("contacts/", views.contact_list, name="contact_list"),
    path("contacts/<str:code>/edit/", views.contact_edit, name="contact_edit"),
]
