from django.apps import AppConfig


class DecisionsConfig(AppConfig):
    name = "pauschale.decisions"
    label = "decisions"
