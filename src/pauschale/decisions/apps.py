from django.apps import AppConfig


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
