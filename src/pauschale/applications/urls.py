from django.urls import path

from . import views

app_name = "applications"
urlpatterns = [
    path("", views.program_list, name="programs"),
    path("<slug:slug>/", views.start, name="start"),
    path("<slug:slug>/weiter/", views.continue_after_login, name="continue"),
    path("<slug:slug>/pin/", views.pin, name="pin"),
    path("<slug:slug>/antrag/", views.application_form, name="form"),
    path("<slug:slug>/status/", views.status, name="status"),
    path("<slug:slug>/abmelden/", views.logout, name="logout"),
]
