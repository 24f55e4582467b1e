"""Pages of the development IdP: metadata, the two SSO endpoints, the login."""

import time

from django.http import HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from pauschale.common.log import get_logger

from . import faults
from .config import idp_metadata_xml
from .forms import PersonForm
from .persons import PRESETS
from .protocol import (
    IncomingRequest,
    RequestRefused,
    build_error_response,
    build_response,
    encode_response,
    idp_server,
    verify_request,
)

logger = get_logger(__name__)

# Hidden form field -> IncomingRequest attribute.
REQUEST_FIELDS = {
    "SAMLRequest": "saml_request",
    "binding": "binding",
    "RelayState": "relay_state",
    "SigAlg": "sig_alg",
    "Signature": "signature",
}


@require_GET
def metadata(request):
    return HttpResponse(idp_metadata_xml(), content_type="text/xml; charset=utf-8")


@csrf_exempt  # SAML HTTP-POST binding: the SP's page posts here
@require_POST
def sso_post(request):
    incoming = IncomingRequest(
        saml_request=request.POST.get("SAMLRequest", ""),
        binding="post",
        relay_state=request.POST.get("RelayState", ""),
    )
    return _show_login(request, incoming)


@require_GET
def sso_redirect(request):
    incoming = IncomingRequest(
        saml_request=request.GET.get("SAMLRequest", ""),
        binding="redirect",
        relay_state=request.GET.get("RelayState", ""),
        sig_alg=request.GET.get("SigAlg", ""),
        signature=request.GET.get("Signature", ""),
    )
    return _show_login(request, incoming)


@require_POST
def login(request):
    """The chosen person: check the request again, then answer the SP."""
    incoming = IncomingRequest(
        **{attr: request.POST.get(field, "") for field, attr in REQUEST_FIELDS.items()}
    )
    server = idp_server()
    try:
        verified = verify_request(server, incoming)
    except RequestRefused as refusal:
        return _refused(request, refusal)

    choice = request.POST.get("person", "")
    form = PersonForm(request.POST if choice == "custom" else None)
    if choice in PRESETS:
        person = PRESETS[choice]
    elif choice == "custom" and form.is_valid():
        person = form.person()
    else:
        return _render_login(request, incoming, verified, form)

    if person.trust_level < verified.minimum_level:
        form.add_error(None, _("The service asks for a higher trust level."))
        return _render_login(request, incoming, verified, form)

    fault = faults.current()
    if fault.latency_ms:
        time.sleep(fault.latency_ms / 1000)
    if fault.fails_now():
        response_xml = build_error_response(server, verified)
        logger.info("devidp_response_sent", status="responder")
    else:
        response_xml = build_response(server, verified, person)
        logger.info("devidp_response_sent", trust_level=person.trust_level.name.lower())
    context = {
        "target_url": verified.response_args["destination"],
        "saml_response": encode_response(response_xml),
        "relay_state": incoming.relay_state,
    }
    return render(request, "identity/devidp/post_response.html", context)


def _show_login(request, incoming: IncomingRequest):
    try:
        verified = verify_request(idp_server(), incoming)
    except RequestRefused as refusal:
        return _refused(request, refusal)
    return _render_login(request, incoming, verified, PersonForm())


def _render_login(request, incoming, verified, form):
    persons = [
        (key, person)
        for key, person in PRESETS.items()
        if person.trust_level >= verified.minimum_level
    ]
    hidden = {field: getattr(incoming, attr) for field, attr in REQUEST_FIELDS.items()}
    context = {
        "persons": persons,
        "form": form,
        "hidden": hidden,
        "sp_entity_id": verified.response_args["sp_entity_id"],
    }
    return render(request, "identity/devidp/login.html", context)


def _refused(request, refusal: RequestRefused):
    logger.warning("devidp_request_refused", code=refusal.code)
    return render(
        request, "identity/devidp/refused.html", {"code": refusal.code}, status=400
    )
