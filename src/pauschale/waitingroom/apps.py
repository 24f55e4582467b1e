from django.apps import AppConfig


class WaitingroomConfig(AppConfig):
    name = "pauschale.waitingroom"
    label = "waitingroom"
