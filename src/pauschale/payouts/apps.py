from django.apps import AppConfig


class PayoutsConfig(AppConfig):
    name = "pauschale.payouts"
    label = "payouts"

    def ready(self) -> None:
        from pauschale.applications.signals import account_corrected
        from pauschale.decisions.signals import decision_recorded

        from .receivers import on_account_corrected, on_decision_recorded

        decision_recorded.connect(
            on_decision_recorded, dispatch_uid="payouts.create_payment"
        )
        account_corrected.connect(
            on_account_corrected, dispatch_uid="payouts.reissue_payment"
        )
