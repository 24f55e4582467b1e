from pathlib import Path

from django.apps import AppConfig
from django.conf import settings
from django.core import checks


class DecisionsConfig(AppConfig):
    name = "pauschale.decisions"
    label = "decisions"

    def ready(self):
        from pauschale.applications.signals import application_submitted
        from pauschale.programs.signals import program_checking

        from .services import decide, referral_problems

        def _on_submitted(sender, application, **kwargs):
            decide(application)

        def _on_program_checking(sender, spec, **kwargs):
            return referral_problems(spec)

        application_submitted.connect(
            _on_submitted, dispatch_uid="decisions.decide", weak=False
        )
        program_checking.connect(
            _on_program_checking, dispatch_uid="decisions.refer", weak=False
        )
        checks.register(check_program_reviews)


def check_program_reviews(app_configs=None, **kwargs):
    """Every reason that a program file refers to a clerk must be a reason code.

    ``load_program`` refuses such a file itself (``program_checking``); this
    check names the files in the program directory before anyone loads them."""
    from pauschale.programs.loader import ProgramConfigError, load_program_file

    from .services import referral_problems

    errors = []
    for path in sorted(Path(settings.PAUSCHALE_PROGRAM_DIR).glob("*.toml")):
        try:
            spec = load_program_file(path)
        except ProgramConfigError:
            continue  # load_program reports those itself
        errors += [
            checks.Error(problem, obj=path.name, id="decisions.E001")
            for problem in referral_problems(spec)
        ]
    return errors
