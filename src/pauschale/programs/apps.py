from django.apps import AppConfig


class ProgramsConfig(AppConfig):
    name = "pauschale.programs"
    label = "programs"
    verbose_name = "Programme"
