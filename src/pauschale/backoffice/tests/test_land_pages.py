"""Land authority pages: paper applications, referred cases, dashboard."""

from datetime import date

import pytest

from pauschale.applications.models import Application
from pauschale.applications.tests.factories import code_for
from pauschale.audit.models import AuditEvent
from pauschale.common.hashing import person_key
from pauschale.payouts.models import Payment
from pauschale.payouts.tests.factories import ApplicationFactory, decide
from pauschale.programs.models import Program

pytestmark = pytest.mark.django_db

IBAN = "DE02120300000000202051"


def _paper(client, code: str, **overrides):
    data = {
        "program": Program.objects.get().pk,
        "access_code": code,
        "received_on": "2023-04-03",
        "family_name": "Zwiebelhuber",
        "given_names": "Kunigunde",
        "birth_date": "2001-05-17",
        "account_holder": "Kunigunde Zwiebelhuber",
        "iban": IBAN,
        "identity_checked": "on",
        **{
            f"declaration_{d}": "on"
            for d in ("residence", "enrolment", "single_claim", "truthful")
        },
    }
    data.update(overrides)
    return client.post("/backoffice/applications/paper/", data)


def test_a_paper_application_is_approved_and_gets_a_payment(
    as_user, clerk_by, program, spring_day
):
    issued = code_for(program, "DE-BY")
    client = as_user(clerk_by)

    response = _paper(client, issued.code)

    application = Application.objects.get()
    assert response.status_code == 302
    assert (application.channel, application.status) == ("paper", "approved")
    assert application.subject_key == ""
    assert application.person_key == person_key(
        "Zwiebelhuber", "Kunigunde", date(2001, 5, 17)
    )
    assert Payment.objects.get(application=application).iban == IBAN
    assert AuditEvent.objects.filter(
        action="paper_application_entered", actor="clerk-by"
    ).exists()


def test_a_paper_application_of_someone_paid_online_is_rejected_as_duplicate(
    as_user, clerk_by, program, spring_day
):
    online = ApplicationFactory(
        program=program,
        person_key=person_key("Zwiebelhuber", "Kunigunde", date(2001, 5, 17)),
    )
    decide(online)
    issued = code_for(program, "DE-BY")
    client = as_user(clerk_by)

    _paper(client, issued.code, family_name="ZWIEBELHUBER")

    paper = Application.objects.get(channel="paper")
    assert paper.status == "rejected"
    assert paper.decision.reasons == ["duplicate_person"]
    assert not Payment.objects.filter(application=paper).exists()

    listed = client.get("/backoffice/applications/", {"channel": "paper"})
    assert (
        '<span data-reason="duplicate_person">bereits mit anderem Code bewilligt</span>'
        in listed.content.decode()
    )


def test_a_paper_application_needs_the_identity_check_and_a_code_of_the_land(
    as_user, clerk_by, program, spring_day
):
    code_nw = code_for(program, "DE-NW")
    code_by = code_for(program, "DE-BY")
    client = as_user(clerk_by)

    unchecked = _paper(client, code_by.code, identity_checked="")
    elsewhere = _paper(client, code_nw.code)

    assert unchecked.status_code == elsewhere.status_code == 200
    assert 'aria-invalid="true"' in unchecked.content.decode()
    assert not Application.objects.exists()


def test_the_same_code_cannot_be_entered_twice(as_user, clerk_by, program, spring_day):
    issued = code_for(program, "DE-BY")
    client = as_user(clerk_by)
    _paper(client, issued.code)

    again = _paper(client, issued.code)

    assert again.status_code == 200
    assert Application.objects.count() == 1


def test_a_paper_application_received_before_the_deadline_counts(
    as_user, clerk_by, program
):
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from pauschale.common import clock

    issued = code_for(program, "DE-BY")
    clock.set_now(datetime(2023, 10, 4, 9, 0, tzinfo=ZoneInfo("Europe/Berlin")))
    client = as_user(clerk_by)

    _paper(client, issued.code, received_on="2023-09-29")

    assert Application.objects.get().status == "approved"


def _referred(program) -> Application:
    """An application the rules referred: its code was issued to another person."""
    from pauschale.decisions.services import decide as decide_by_rules

    application = ApplicationFactory(program=program)
    code = application.access_code
    code.expected_person_key = person_key("Andere", "Person", date(2000, 1, 1))
    code.save()
    decide_by_rules(application)
    return application


def test_a_clerk_decides_a_referred_case_on_its_page(
    as_user, clerk_by, program, spring_day
):
    application = _referred(program)
    client = as_user(clerk_by)

    listed = client.get("/backoffice/applications/referred/").content.decode()
    response = client.post(
        f"/backoffice/applications/{application.pk}/decide/",
        {"decision": "approve", "note": "Geburtsname laut Urkunde."},
    )

    assert f'data-application="{application.pk}"' in listed
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.status == "approved"
    assert application.decision.note == "Geburtsname laut Urkunde."
    assert Payment.objects.filter(application=application).count() == 1


def test_a_second_decision_on_a_decided_case_changes_nothing_and_says_so(
    as_user, clerk_by, program, spring_day
):
    application = _referred(program)
    client = as_user(clerk_by)
    url = f"/backoffice/applications/{application.pk}/decide/"
    client.post(url, {"decision": "reject", "note": "Andere Person."})

    again = client.post(url, {"decision": "approve", "note": "Doch."}, follow=True)

    application.refresh_from_db()
    assert application.status == "rejected"
    assert application.decision.note == "Andere Person."
    assert again.status_code == 200
    assert "nicht mehr auf eine Entscheidung" in again.content.decode()


def test_a_search_for_a_code_number_too_large_for_the_database_is_a_form_error(
    as_user, clerk_by, program
):
    response = as_user(clerk_by).get(
        "/backoffice/applications/", {"code_id": "9223372036854775808"}
    )
    assert response.status_code == 200
    assert "kleiner oder gleich 9223372036854775807" in response.content.decode()


def test_the_dashboard_shows_charts_tables_and_csv(
    as_user, clerk_by, operator, program, spring_day
):
    for land in ("DE-BY", "DE-BY", "DE-NW"):
        decide(ApplicationFactory(program=program, land_id=land))
    client = as_user(clerk_by)

    page = client.get("/backoffice/dashboard/").content.decode()
    outcomes = client.get("/backoffice/dashboard/outcomes.csv").content.decode()
    hours = client.get("/backoffice/dashboard/hours.csv", {"day": "2023-04-03"})

    assert 'data-chart="hours"' in page and 'data-table="hours"' in page
    assert '<rect x="190" y="244" width="360.0"' in page  # 10:00, the longest bar
    assert "approved;2" in outcomes
    assert "2023-04-03;10;2" in hours.content.decode()

    everything = as_user(operator).get("/backoffice/dashboard/outcomes.csv")
    assert "approved;3" in everything.content.decode()
