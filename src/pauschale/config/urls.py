from django.conf import settings
from django.urls import include, path
from django.views.i18n import set_language

urlpatterns = [
    path("i18n/setlang/", set_language, name="set_language"),
    path("saml2/", include("pauschale.identity.urls")),
    path("backoffice/", include("pauschale.backoffice.urls")),
    path("", include("pauschale.waitingroom.urls")),
    path("", include("pauschale.applications.urls")),
]

if settings.PAUSCHALE_DEV_IDP:
    urlpatterns.insert(0, path("dev-idp/", include("pauschale.identity.devidp.urls")))
