from django.apps import AppConfig


class SchedulingConfig(AppConfig):
    name = "scheduling"
    label = "scheduling"
    verbose_name = "Group scheduling"

    def ready(self) -> None:
        from . import wiring

        wiring.connect()
