from django.apps import AppConfig


class PayoutsConfig(AppConfig):
    name = "pauschale.payouts"
    label = "payouts"
