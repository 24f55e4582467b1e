"""Nobody sees or changes what belongs to another institution or Land: 404."""

import pytest

from pauschale.applications.models import Application
from pauschale.audit.models import AuditEvent
from pauschale.payouts.tests.factories import ApplicationFactory
from pauschale.registry.models import AccessCode
from pauschale.registry.services import issue_codes

pytestmark = pytest.mark.django_db


@pytest.fixture
def application_nw(program, spring_day):
    return ApplicationFactory(
        program=program, land_id="DE-NW", family_name="Zwiebelhuber"
    )


@pytest.fixture
def referred_nw(application_nw):
    from pauschale.decisions.models import Decision

    Application.objects.filter(pk=application_nw.pk).update(status="referred")
    Decision.objects.create(
        application=application_nw,
        outcome="referred",
        reasons=["identity_mismatch"],
        decided_at=application_nw.submitted_at,
        program_sha256="x",
    )
    return application_nw


def test_a_clerk_cannot_open_an_application_of_another_land(
    as_user, clerk_by, application_nw
):
    client = as_user(clerk_by)

    response = client.get(f"/backoffice/applications/{application_nw.pk}/")

    assert response.status_code == 404
    assert "Zwiebelhuber" not in response.content.decode()
    assert not AuditEvent.objects.filter(action="application_viewed").exists()


def test_a_clerk_of_the_land_can_open_it_and_the_reading_is_audited(
    as_user, clerk_nw, application_nw
):
    client = as_user(clerk_nw)

    response = client.get(f"/backoffice/applications/{application_nw.pk}/")

    assert response.status_code == 200
    assert "Zwiebelhuber" in response.content.decode()
    event = AuditEvent.objects.get(action="application_viewed")
    assert (event.actor, event.object_id, event.land) == (
        "clerk-nw",
        str(application_nw.pk),
        "DE-NW",
    )


def test_a_clerk_cannot_find_another_lands_application_by_search(
    as_user, clerk_by, application_nw
):
    client = as_user(clerk_by)

    by_id = client.get(
        "/backoffice/applications/", {"application_id": application_nw.pk}
    )
    by_code = client.get(
        "/backoffice/applications/", {"code_id": application_nw.access_code_id}
    )
    everything = client.get("/backoffice/applications/")

    for response in (by_id, by_code, everything):
        assert (
            f'data-application="{application_nw.pk}"' not in response.content.decode()
        )


def test_search_finds_the_own_lands_application_by_code_status_and_date(
    as_user, clerk_nw, application_nw
):
    client = as_user(clerk_nw)
    day = application_nw.submitted_at.date().isoformat()

    hits = [
        client.get(
            "/backoffice/applications/", {"code_id": application_nw.access_code_id}
        ),
        client.get("/backoffice/applications/", {"status": "submitted"}),
        client.get(
            "/backoffice/applications/", {"submitted_from": day, "submitted_to": day}
        ),
    ]
    misses = client.get("/backoffice/applications/", {"status": "approved"})

    for response in hits:
        assert f'data-application="{application_nw.pk}"' in response.content.decode()
    assert f'data-application="{application_nw.pk}"' not in misses.content.decode()


def test_a_clerk_cannot_decide_another_lands_referred_case(
    as_user, clerk_by, referred_nw
):
    client = as_user(clerk_by)

    response = client.post(
        f"/backoffice/applications/{referred_nw.pk}/decide/",
        {"decision": "approve", "note": "Namensänderung belegt"},
    )

    assert response.status_code == 404
    referred_nw.refresh_from_db()
    assert referred_nw.status == "referred"


def test_an_institution_cannot_see_applicants(as_user, staff_nw, application_nw):
    client = as_user(staff_nw)

    listing = client.get("/backoffice/applications/")
    detail = client.get(f"/backoffice/applications/{application_nw.pk}/")

    assert listing.status_code == 403
    assert detail.status_code == 403
    assert "Zwiebelhuber" not in detail.content.decode()


def test_an_operator_sees_figures_but_no_applicant(as_user, operator, application_nw):
    client = as_user(operator)

    assert client.get("/backoffice/dashboard/").status_code == 200
    assert (
        client.get(f"/backoffice/applications/{application_nw.pk}/").status_code == 403
    )


def test_an_institution_cannot_open_download_or_revoke_another_institutions_batch(
    as_user, staff_by, uni_nw, program
):
    batch, _ = issue_codes(program, uni_nw, 2, with_pins=True, created_by="test")
    from pauschale.registry.delivery import store_delivery

    store_delivery(batch, _)
    code = AccessCode.objects.filter(batch=batch).first()
    client = as_user(staff_by)

    assert client.get(f"/backoffice/codes/{batch.pk}/").status_code == 404
    assert client.post(f"/backoffice/codes/{batch.pk}/download/csv/").status_code == 404
    assert (
        client.post(
            f"/backoffice/codes/{batch.pk}/revoke/", {"confirm": "yes"}
        ).status_code
        == 404
    )
    refused = client.post("/backoffice/codes/revoke/", {"code_id": code.pk})

    assert refused.status_code == 400
    assert not AccessCode.objects.filter(batch=batch, revoked_at__isnull=False).exists()
    assert batch.delivery.csv_downloaded_at is None


def test_a_clerk_cannot_use_institution_pages(as_user, clerk_by):
    client = as_user(clerk_by)

    assert client.get("/backoffice/codes/").status_code == 403
    assert client.post("/backoffice/codes/new/", {"count": 5}).status_code == 403


def test_audit_trail_shows_only_the_own_scope(
    as_user, clerk_by, clerk_nw, staff_by, program, uni_nw
):
    issue_codes(program, uni_nw, 1, with_pins=False, created_by="someone-nw")
    by = as_user(clerk_by).get("/backoffice/audit/").content.decode()
    assert "someone-nw" not in by

    nw = as_user(clerk_nw).get("/backoffice/audit/").content.decode()
    assert "someone-nw" in nw

    institution = as_user(staff_by).get("/backoffice/audit/").content.decode()
    assert "someone-nw" not in institution


def test_a_clerk_sees_only_the_own_lands_dashboard_figures(
    as_user, clerk_by, application_nw
):
    client = as_user(clerk_by)

    response = client.get(
        "/backoffice/dashboard/hours.csv",
        {"land": "DE-NW", "day": application_nw.submitted_at.date().isoformat()},
    )

    rows = response.content.decode().lstrip("\ufeff").splitlines()[1:]
    assert sum(int(row.split(";")[2]) for row in rows) == 0


def test_refused_and_missing_pages_say_so_in_german(as_user, clerk_by, application_nw):
    client = as_user(clerk_by)

    refused = client.get("/backoffice/codes/")
    missing = client.get(f"/backoffice/applications/{application_nw.pk}/")

    assert refused.status_code == 403
    assert "Zugriff verweigert" in refused.content.decode()
    assert missing.status_code == 404
    page = missing.content.decode()
    assert "Seite nicht gefunden" in page
    assert "Zwiebelhuber" not in page
