from django.apps import AppConfig


class DischargeConfig(AppConfig):
    name = "discharge"
    label = "discharge"
    verbose_name = "Discharge and step-down"

    def ready(self) -> None:
        from . import wiring

        wiring.connect()
