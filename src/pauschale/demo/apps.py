from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "pauschale.demo"
    label = "demo"
