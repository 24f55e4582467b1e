"""Delete the clear codes of every batch whose download deadline has passed.

Run it daily (cron or a task scheduler). The pages also refuse an expired
download on their own; this command makes sure nothing lingers in the database.
"""

from django.core.management.base import BaseCommand

from pauschale.registry.delivery import destroy_expired


class Command(BaseCommand):
    help = "Delete clear access codes whose download deadline has passed."

    def handle(self, *args, **options):
        count = destroy_expired()
        self.stdout.write(f"clear codes of {count} batch(es) deleted")
