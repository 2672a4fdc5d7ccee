from django.apps import AppConfig


class AttendanceConfig(AppConfig):
    name = "attendance"
    label = "attendance"
    verbose_name = "Attendance"

    def ready(self) -> None:
        from . import wiring

        wiring.connect()
