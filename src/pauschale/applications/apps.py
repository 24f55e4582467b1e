from django.apps import AppConfig


class ApplicationsConfig(AppConfig):
    name = "pauschale.applications"
    label = "applications"
