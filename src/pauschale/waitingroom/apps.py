from django.apps import AppConfig


class WaitingroomConfig(AppConfig):
    name = "pauschale.waitingroom"
    label = "waitingroom"

    def ready(self):
        from . import receivers  # noqa: F401 - connects the receivers
