from django.apps import AppConfig


class AuthorizationsConfig(AppConfig):
    name = "authorizations"
    label = "authorizations"
    verbose_name = "Authorizations"

    def ready(self) -> None:
        from attendance import requirements

        from .selectors import payer_requirements_load

        # Attendance measures weeks against the client's payer rule first (attendance.requirements).
        requirements.payer_requirements_register(payer_requirements_load)
