from django.urls import path

from . import views

app_name = "devidp"
urlpatterns = [
    path("metadata/", views.metadata, name="metadata"),
    path("sso/post/", views.sso_post, name="sso-post"),
    path("sso/redirect/", views.sso_redirect, name="sso-redirect"),
    path("login/", views.login, name="login"),
]
