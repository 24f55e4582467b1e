"""Domain actions of the programs module."""

import hashlib
from pathlib import Path

from django.db import transaction

from pydantic import ValidationError

from pauschale.common.log import get_logger

from .loader import ProgramConfigError, load_program_file
from .models import Program
from .signals import program_checking
from .spec import ProgramSpec

log = get_logger(__name__)

FIXED_ONCE_IN_USE = ("amount_eur", "cutoff_date", "timezone")
"""What a program promised its first applicant holds for all: the sum, who is
eligible, and on which day each application came in (the time zone decides
that for every window boundary, also when a clerk's decision runs the rules
again). A changed scheme is a new program (a new file and slug)."""


@transaction.atomic
def install_program(path: Path | str) -> Program:
    """Validate a program file and store it; loading the same slug again updates
    it, except for the keys that are fixed once the program is in use."""
    spec = load_program_file(path)
    _check_with_later_modules(spec, path)
    digest = hashlib.sha256(Path(path).read_bytes()).hexdigest()
    current = Program.objects.select_for_update().filter(slug=spec.slug).first()
    if current is not None and _in_use(current):
        changed = _fixed_keys_changed(current, spec)
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


def _fixed_keys_changed(current: Program, spec: ProgramSpec) -> list[str]:
    problems = []
    for key in FIXED_ONCE_IN_USE:
        stored = _stored(current, spec, key)
        if stored is not None and stored != getattr(spec, key):
            problems.append(
                f"{key}: {stored} cannot become {getattr(spec, key)}, because the "
                f"program already has records (applications, codes); a changed "
                f"scheme needs a program file with a new slug"
            )
    return problems


def _stored(current: Program, spec: ProgramSpec, key: str) -> object | None:
    """The stored value of ``key`` as the schema reads it, or None if today's
    schema refuses it (stored before a check was added, such as an unknown time
    zone): such a value never worked, so nothing depends on it, and a corrected
    file may replace it. The rest of the stored definition is not read."""
    try:
        with_stored = ProgramSpec.model_validate(
            {**spec.model_dump(mode="json"), key: current.spec_json.get(key)}
        )
    except ValidationError:
        return None
    return getattr(with_stored, key)


def _check_with_later_modules(spec: ProgramSpec, path: Path | str) -> None:
    problems = [
        problem
        for _receiver, found in program_checking.send(sender=Program, spec=spec)
        for problem in found
    ]
    if problems:
        raise ProgramConfigError(path, problems)


def _in_use(program: Program) -> bool:
    """Whether a record of a later step points to the program. Found through
    the ORM's reverse relations, so that this module imports none of them."""
    for relation in program._meta.related_objects:
        related = relation.related_model._default_manager
        if related.filter(**{relation.field.name: program}).exists():
            return True
    return False
