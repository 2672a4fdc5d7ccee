from django.apps import AppConfig


class DischargeConfig(AppConfig):
    name = "discharge"
    label = "discharge"
    verbose_name = "Discharge and step-down"
