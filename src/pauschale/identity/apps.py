from django.apps import AppConfig


class IdentityConfig(AppConfig):
    name = "pauschale.identity"
    label = "identity"

    def ready(self):
        from . import speedups

        speedups.apply()
