"""Public report pages, mounted at /public/reports/ (the portal home links to ``complaints_public:form``,
``complaints_public:lookup`` and ``complaints_public:statistics``)."""

from django.urls import path

from . import public_views

app_name = "complaints_public"

urlpatterns = [
    path("", public_views.report_form, name="form"),
    path("track/", public_views.track_lookup, name="lookup"),
    path("track/<str:code>/", public_views.track, name="track"),
    path("track/<str:code>/photos/<int:photo_pk>/", public_views.track_photo, name="track_photo"),
    path("track/<str:code>/rate/", public_views.track_rate, name="track_rate"),
    path("track/<str:code>/dispute/", public_views.track_dispute, name="track_dispute"),
    path("statistics/", public_views.public_statistics, name="statistics"),
]
