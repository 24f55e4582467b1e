from django.apps import AppConfig


class BackofficeConfig(AppConfig):
    name = "pauschale.backoffice"
    label = "backoffice"
