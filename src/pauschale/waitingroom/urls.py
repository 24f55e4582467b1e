from django.urls import path

from . import views

app_name = "waitingroom"
urlpatterns = [
    path("warteraum/<slug:slug>/", views.room, name="room"),
    path("warteraum/<slug:slug>/status/", views.status, name="status"),
    path("healthz", views.healthz, name="healthz"),
]
