"""Domain actions of the programs module."""

import hashlib
from pathlib import Path

from django.db import transaction

from pauschale.common.log import get_logger

from .loader import load_program_file
from .models import Program

log = get_logger(__name__)


@transaction.atomic
def install_program(path: Path | str) -> Program:
    """Validate a program file and store it; loading the same slug again updates it."""
    spec = load_program_file(path)
    digest = hashlib.sha256(Path(path).read_bytes()).hexdigest()
    program, created = Program.objects.update_or_create(
        slug=spec.slug,
        defaults={"spec_json": spec.model_dump(mode="json"), "source_sha256": digest},
    )
    log.info(
        "program_installed", program=spec.slug, created=created, sha256=digest[:12]
    )
    return program
