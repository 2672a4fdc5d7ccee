from django.apps import AppConfig


class SchedulingConfig(AppConfig):
    name = "scheduling"
    label = "scheduling"
    verbose_name = "Group scheduling"

    def ready(self) -> None:
        from . import receivers  # noqa: F401  (census changes → rosters)
