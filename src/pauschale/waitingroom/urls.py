from django.urls import path

from . import views

app_name = "waitingroom"
urlpatterns = [
    path("warteraum/<slug:slug>/", views.room, name="room"),
    path("warteraum/<slug:slug>/status/", views.status, name="status"),
    path("betrieb/warteraum/<slug:slug>/", views.operations, name="operations"),
    path("healthz", views.healthz, name="healthz"),
]
