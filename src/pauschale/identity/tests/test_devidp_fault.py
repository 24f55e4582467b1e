"""The switch that makes the development IdP fail: its answer is a signed
SAML response with status Responder, which our SP refuses like BundID's."""

from io import StringIO

from django.core.management import call_command

from pauschale.identity.devidp import faults
from pauschale.waitingroom.signals import saml_round_trip

from .conftest import (
    choose_person,
    open_idp_login,
    post_response_form,
    session_identity,
)


def test_the_command_switches_faults_on_and_off():
    out = StringIO()
    call_command(
        "devidp_fault", "--fail-ratio", "0.5", "--latency-ms", "800", stdout=out
    )
    assert faults.current() == faults.Fault(0.5, 800)
    call_command("devidp_fault", "--off", stdout=out)
    assert faults.current() == faults.Fault()
    assert "50% of logins fail, 800 ms delay" in out.getvalue()


def test_a_failing_idp_answers_responder_and_the_login_is_refused(client):
    received = []

    def receiver(sender, **kwargs):
        received.append(kwargs)

    faults.set_fault(fail_ratio=1.0)
    saml_round_trip.connect(receiver)
    try:
        response_page = choose_person(client, open_idp_login(client))
        acs = post_response_form(client, response_page)
    finally:
        saml_round_trip.disconnect(receiver)
        faults.clear()

    assert acs.status_code == 403
    assert session_identity(client) is None
    assert received[-1]["outcome"] == "failure"
    assert received[-1]["failure_class"] == "idp_status"
    assert received[-1]["program"] == "eppsg-2023"
