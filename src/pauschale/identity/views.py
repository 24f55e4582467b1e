"""The service provider's pages: login, assertion consumer service, completion
of the login, and our metadata.

The ACS receives BundID's POST cross-site, so the applicant's session cookie
(SameSite=Lax) does not come with it; djangosaml2's ``saml_session`` cookie
does. The ACS therefore parks the verified identity in ``request.saml_session``
and redirects to ``complete``, a top-level GET that does carry the session
cookie and moves the identity there.
"""

import time

from django.conf import settings
from django.http import HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import get_language
from django.views.decorators.http import require_GET

from djangosaml2 import views as djangosaml2_views

from pauschale.common import clock
from pauschale.common.log import get_logger
from pauschale.programs.spec import TrustLevel
from pauschale.waitingroom import gate
from pauschale.waitingroom.signals import saml_round_trip

from .assertion import failure_class, identity_from_session_info
from .authn_request import NAMESPACE_PREFIXES, akdb_extensions, requested_authn_context
from .saml_config import sp_metadata_xml
from .session import VerifiedIdentity, save_identity

logger = get_logger(__name__)

DEFAULT_NEXT = "/"
# Keys in request.saml_session.
NEXT_KEY = "identity_next"
SENT_AT_KEY = "identity_authn_request_sent_at"
PENDING_KEY = "identity_pending"
# The program whose waiting-room admission started this login.
PROGRAM_KEY = "identity_program"
# pysaml2 keeps the attribute values of each login here; we do not need them.
PYSAML2_IDENTITY_CACHE_KEY = "_saml2_identities"
# From the ACS to the completion is one redirect; anything slower is stale.
PENDING_LIFETIME_SECONDS = 120


def local_path(value: str | None) -> str | None:
    """``value`` if it is a path on this site (``/…``), else None."""
    if not value or not value.startswith("/") or value.startswith("//"):
        return None
    if "\\" in value or not url_has_allowed_host_and_scheme(value, allowed_hosts=set()):
        return None
    return value


class LoginView(djangosaml2_views.LoginView):
    """Send a signed AuthnRequest with BundID's extension by HTTP-POST.

    ``?next=/local/path`` is where the person lands after the login.
    """

    post_binding_form_template = "identity/post_binding_form.html"

    def should_prevent_auth(self, request) -> bool:
        # Applicants are no Django users; a staff login must not skip BundID.
        return False

    def get(self, request, *args, **kwargs):
        # The waiting room protects BundID: no login without an admission.
        admission, reason = gate.use_for_login(request)
        if admission is None:
            return gate.refused(request, reason)
        request.saml_session[PROGRAM_KEY] = admission.program

        next_path = local_path(request.GET.get("next")) or DEFAULT_NEXT
        # djangosaml2 reads next, idp and scoping from the query; give it only next.
        request.GET = QueryDict(mutable=True)
        request.GET["next"] = next_path
        request.saml_session[NEXT_KEY] = next_path
        return super().get(request, *args, **kwargs)

    def load_sso_kwargs(self, sso_kwargs):
        sso_kwargs["extensions"] = akdb_extensions(
            organization_display_name=settings.SAML_ORGANIZATION_DISPLAY_NAME,
            language=(get_language() or "de")[:2],
            online_service_id=settings.SAML_ONLINE_SERVICE_ID,
        )
        # Every level may log in; a basis login needs the PIN later on.
        sso_kwargs["requested_authn_context"] = requested_authn_context(
            TrustLevel.BASIS
        )
        sso_kwargs["nsprefix"] = {
            **sso_kwargs.get("nsprefix", {}),
            **NAMESPACE_PREFIXES,
        }
        self.request.saml_session[SENT_AT_KEY] = time.time()


class AssertionConsumerServiceView(djangosaml2_views.AssertionConsumerServiceView):
    """Receive BundID's response; djangosaml2 and pysaml2 verify signature,
    decryption, audience, InResponseTo and lifetime before ``authenticate_user``.
    """

    def post(self, request, *args, **kwargs):
        if "SAMLResponse" not in request.POST:
            return self.handle_acs_failure(request)
        return super().post(request, *args, **kwargs)

    def authenticate_user(
        self,
        request,
        session_info,
        attribute_mapping,
        create_unknown_user,
        assertion_info,
    ):
        request.saml_session.pop(PYSAML2_IDENTITY_CACHE_KEY, None)
        identity = identity_from_session_info(session_info, now=clock.now())

        request.saml_session[PENDING_KEY] = {
            "identity": identity.to_dict(),
            "verified_at": time.time(),
        }
        logger.info(
            "saml_login_verified", trust_level=identity.trust_level.name.lower()
        )
        _send_round_trip(request, outcome="success", reason=None)
        return None

    def custom_redirect(self, user, relay_state, session_info):
        return reverse("identity:complete")

    def handle_acs_failure(self, request, exception=None, status=403, **kwargs):
        reason = failure_class(exception)
        request.saml_session.pop(PYSAML2_IDENTITY_CACHE_KEY, None)
        request.saml_session.pop(PENDING_KEY, None)

        logger.warning("saml_login_refused", reason=reason)
        _send_round_trip(request, outcome="failure", reason=reason)
        return _login_failed(request)


@require_GET
def complete(request):
    """Move the identity from the SAML session into the session, then go on."""
    pending = request.saml_session.get(PENDING_KEY)
    next_path = local_path(request.saml_session.get(NEXT_KEY)) or DEFAULT_NEXT
    request.saml_session.flush()

    if not pending or time.time() - pending["verified_at"] > PENDING_LIFETIME_SECONDS:
        logger.warning("saml_login_refused", reason="no_pending_login")
        return _login_failed(request, next_path)

    save_identity(request, VerifiedIdentity.from_dict(pending["identity"]))
    logger.info("identity_login_completed")
    return redirect(next_path)


@require_GET
def metadata(request):
    return HttpResponse(sp_metadata_xml(), content_type="text/xml; charset=utf-8")


def _login_failed(request, next_path: str | None = None):
    next_path = next_path or local_path(request.saml_session.get(NEXT_KEY))
    retry_url = reverse("identity:login")
    if next_path:
        retry_url += "?" + QueryDict.fromkeys(["next"], next_path).urlencode()
    return render(
        request, "identity/login_failed.html", {"retry_url": retry_url}, status=403
    )


def _send_round_trip(request, outcome: str, reason: str | None) -> None:
    sent_at = request.saml_session.pop(SENT_AT_KEY, None)
    latency = time.time() - sent_at if sent_at else None
    saml_round_trip.send(
        sender=AssertionConsumerServiceView,
        outcome=outcome,
        failure_class=reason,
        latency=latency,
        program=request.saml_session.get(PROGRAM_KEY),
    )
