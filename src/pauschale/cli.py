"""The ``pauschale`` command: Django's management commands with our settings."""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pauschale.config.settings.dev")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["pauschale", *sys.argv[1:]])


if __name__ == "__main__":
    main()
