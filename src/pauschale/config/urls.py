from django.conf import settings
from django.urls import include, path
from django.views.i18n import set_language

urlpatterns = [
    path("i18n/setlang/", set_language, name="set_language"),
    path("saml2/", include("pauschale.identity.urls")),
    # The audit trail's page sits in the back office but belongs to audit, the
    # last module, which may use the back office's access rules.
    path("backoffice/audit/", include("pauschale.audit.urls")),
    path("backoffice/", include("pauschale.backoffice.urls")),
    path("", include("pauschale.waitingroom.urls")),
    path("", include("pauschale.applications.urls")),
]

if settings.PAUSCHALE_DEV_IDP:
    urlpatterns.insert(0, path("dev-idp/", include("pauschale.identity.devidp.urls")))
