from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction

from pauschale.programs.models import Program
from pauschale.registry.models import AccessCode, AccessCodeBatch
from pauschale.registry.services import revoke_batch, revoke_code


class Command(BaseCommand):
    help = "Revoke access codes by id, or a whole batch."

    def add_arguments(self, parser):
        parser.add_argument(
            "--program", required=True, help="program slug, e.g. eppsg-2023"
        )
        target = parser.add_mutually_exclusive_group(required=True)
        target.add_argument(
            "--code-id", type=int, nargs="+", dest="code_ids", metavar="ID"
        )
        target.add_argument("--batch", type=int, metavar="ID")
        parser.add_argument(
            "--actor",
            default="command:revoke_codes",
            help="recorded in the audit trail",
        )

    def handle(self, *args, program, code_ids, batch, actor, **options):
        program_obj = Program.objects.filter(slug=program).first()
        if program_obj is None:
            raise CommandError(f"no program {program}")
        if batch is not None:
            self._revoke_batch(program_obj, batch, actor)
        else:
            self._revoke_codes(program_obj, code_ids, actor)

    def _revoke_batch(self, program, batch_id, actor):
        batch = (
            AccessCodeBatch.objects.select_related("institution")
            .filter(program=program, pk=batch_id)
            .first()
        )
        if batch is None:
            raise CommandError(f"no batch {batch_id} in program {program.slug}")
        count = revoke_batch(batch, actor)
        self.stdout.write(f"Batch {batch.pk}: {count} code(s) revoked.")

    def _revoke_codes(self, program, code_ids, actor):
        # An id the database cannot hold names no code; leave it out of the query,
        # which would fail on it ("pk=" does this by itself, "pk__in" does not).
        low, high = connection.ops.integer_field_range(
            AccessCode._meta.pk.get_internal_type()
        )
        storable = [code_id for code_id in code_ids if low <= code_id <= high]
        codes = AccessCode.objects.select_related("institution").filter(
            program=program, pk__in=storable
        )
        found = {code.pk: code for code in codes}
        missing = sorted(set(code_ids) - set(found))
        if missing:
            ids = ", ".join(map(str, missing))
            raise CommandError(
                f"no access code(s) {ids} in program {program.slug}; nothing revoked"
            )
        with transaction.atomic():
            revoked = sum(revoke_code(code, actor) for code in found.values())
        self.stdout.write(
            f"{revoked} code(s) revoked, {len(found) - revoked} were revoked already."
        )
