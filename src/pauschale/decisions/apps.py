from pathlib import Path

from django.apps import AppConfig
from django.conf import settings
from django.core import checks


class DecisionsConfig(AppConfig):
    name = "pauschale.decisions"
    label = "decisions"

    def ready(self):
        from pauschale.applications.signals import application_submitted

        from .services import decide

        def _on_submitted(sender, application, **kwargs):
            decide(application)

        application_submitted.connect(
            _on_submitted, dispatch_uid="decisions.decide", weak=False
        )
        checks.register(check_program_reviews)


def check_program_reviews(app_configs=None, **kwargs):
    """Every reason that a program file refers to a clerk must be a reason code."""
    from pauschale.programs.loader import ProgramConfigError, load_program_file

    from .services import referable_reasons

    errors = []
    for path in sorted(Path(settings.PAUSCHALE_PROGRAM_DIR).glob("*.toml")):
        try:
            referable_reasons(load_program_file(path))
        except ProgramConfigError:
            continue  # load_program reports those itself
        except ValueError as exc:
            errors.append(checks.Error(str(exc), obj=path.name, id="decisions.E001"))
    return errors
