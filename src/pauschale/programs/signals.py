"""What the programs module asks of the modules to its right."""

from django.dispatch import Signal

program_checking = Signal()
"""Sent by ``install_program`` before a program is stored, with ``spec`` (the
validated ``ProgramSpec``) as keyword. A receiver returns a list of problems in
the form ``key: problem`` (empty if none); any problem refuses the file. Modules
to the right check here what only they know, e.g. decisions the reason codes
of ``review.refer``."""
