from django.urls import path

from . import views

app_name = "identity"
urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("acs/", views.AssertionConsumerServiceView.as_view(), name="acs"),
    path("complete/", views.complete, name="complete"),
    path("metadata/", views.metadata, name="metadata"),
]
