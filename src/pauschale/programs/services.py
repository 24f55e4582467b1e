"""Domain actions of the programs module."""

import hashlib
from pathlib import Path

from django.db import transaction

from pauschale.common.log import get_logger

from .loader import ProgramConfigError, load_program_file
from .models import Program

log = get_logger(__name__)

FIXED_ONCE_IN_USE = ("amount_eur", "cutoff_date")
"""What a program promised its first applicant holds for all: the sum and who
is eligible. A changed scheme is a new program (a new file and slug)."""


@transaction.atomic
def install_program(path: Path | str) -> Program:
    """Validate a program file and store it; loading the same slug again updates
    it, except for the keys that are fixed once the program is in use."""
    spec = load_program_file(path)
    digest = hashlib.sha256(Path(path).read_bytes()).hexdigest()
    current = Program.objects.select_for_update().filter(slug=spec.slug).first()
    if current is not None and _in_use(current):
        changed = [
            f"{key}: {getattr(current.spec, key)} cannot become {getattr(spec, key)}, "
            f"because the program already has records (applications, codes); "
            f"a changed scheme needs a program file with a new slug"
            for key in FIXED_ONCE_IN_USE
            if getattr(current.spec, key) != getattr(spec, key)
        ]
        if changed:
            raise ProgramConfigError(path, changed)
    program, created = Program.objects.update_or_create(
        slug=spec.slug,
        defaults={"spec_json": spec.model_dump(mode="json"), "source_sha256": digest},
    )
    log.info(
        "program_installed", program=spec.slug, created=created, sha256=digest[:12]
    )
    return program


def _in_use(program: Program) -> bool:
    """Whether a record of a later step points to the program. Found through
    the ORM's reverse relations, so that this module imports none of them."""
    for relation in program._meta.related_objects:
        related = relation.related_model._default_manager
        if related.filter(**{relation.field.name: program}).exists():
            return True
    return False
