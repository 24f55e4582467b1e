"""Staff work with names, birth dates, IBANs and codes; none of it reaches a log."""

import csv
import io
import logging

from django.core.files.uploadedfile import SimpleUploadedFile

import pytest

from pauschale.applications.models import Application
from pauschale.programs.models import Program
from pauschale.registry.models import AccessCodeBatch

from .staff import log_in

pytestmark = pytest.mark.django_db

IBAN = "DE02120300000000202051"


def test_list_upload_downloads_paper_entry_and_case_reading_log_ids_only(
    client, program, spring_day, staff_by, clerk_by, caplog
):
    caplog.set_level(logging.DEBUG, logger="pauschale")
    caplog.set_level(logging.INFO)
    program_id = Program.objects.get().pk

    log_in(client, staff_by)
    listing = "Familienname;Vornamen;Geburtsdatum\nZwiebelhuber;Kunigunde;17.05.2001\n"
    client.post(
        "/backoffice/codes/list/",
        {
            "program": program_id,
            "file": SimpleUploadedFile("liste.csv", listing.encode()),
        },
    )
    batch = AccessCodeBatch.objects.get()
    content = client.post(f"/backoffice/codes/{batch.pk}/download/csv/").content
    client.post(f"/backoffice/codes/{batch.pk}/download/letters/1/")
    row = next(
        csv.DictReader(
            io.StringIO(content.decode("utf-8").lstrip("\ufeff")), delimiter=";"
        )
    )
    client.post("/backoffice/logout/")

    log_in(client, clerk_by)
    client.post(
        "/backoffice/applications/paper/",
        {
            "program": program_id,
            "access_code": row["zugangscode"],
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
        },
    )
    application = Application.objects.get()
    client.get(f"/backoffice/applications/{application.pk}/")

    assert application.status == "approved"
    logged = "\n".join(
        f"{record.getMessage()} {record.args!r} {record.__dict__!r}"
        for record in caplog.records
    )
    assert "application_submitted" in logged
    for secret in [
        "Zwiebelhuber",
        "Kunigunde",
        "2001-05-17",
        "17.05.2001",
        IBAN,
        row["zugangscode"],
        row["zugangscode"].replace("-", ""),
        clerk_by.username,
        staff_by.username,
    ]:
        assert secret not in logged, f"{secret!r} reached the log"
