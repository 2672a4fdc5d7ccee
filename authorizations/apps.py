from django.apps import AppConfig


class AuthorizationsConfig(AppConfig):
    name = "authorizations"
    label = "authorizations"
    verbose_name = "Authorizations"

    def ready(self) -> None:
        from attendance import requirements
        from scheduling import warnings

        from . import services_units  # noqa: F401  (attendance saved → unauthorized days)
        from .selectors import payer_requirements_load
        from .units import placement_unit_warnings

        # Attendance measures weeks against the client's payer rule first (attendance.requirements).
        requirements.payer_requirements_register(payer_requirements_load)
        # Placing a client beyond what is authorized warns at the moment of placement.
        warnings.placement_warnings_register(placement_unit_warnings)
