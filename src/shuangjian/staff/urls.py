from django.urls import path

from . import views

app_name = "staff"

urlpatterns = [
    path("", views.employment_list, name="employment_list"),
    path("new/", views.employment_new, name="employment_new"),
    path("<int:pk>/", views.employment_detail, name="employment_detail"),
    path("flags/", views.flag_list, name="flag_list"),
    path("flags/<int:pk>/resolve/", views.flag_resolve, name="flag_resolve"),
    path("blacklist/", views.blacklist, name="blacklist"),
    path("blacklist/<int:pk>/lift/", views.blacklist_lift, name="blacklist_lift"),
]
