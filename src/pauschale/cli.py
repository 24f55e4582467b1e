"""The ``pauschale`` command: Django's management commands with our settings."""

import os
import sys
import warnings


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pauschale.config.settings.dev")
    # pysaml2 still names a cipher mode that cryptography has moved; it is not
    # used here, and the warning would be the first thing a newcomer reads.
    warnings.filterwarnings("ignore", message="CFB has been moved", module="saml2")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["pauschale", *sys.argv[1:]])


if __name__ == "__main__":
    main()
