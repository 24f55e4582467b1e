from django.apps import AppConfig


class RegistryConfig(AppConfig):
    name = "pauschale.registry"
    label = "registry"
