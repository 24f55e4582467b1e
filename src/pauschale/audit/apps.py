from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "pauschale.audit"
    label = "audit"
