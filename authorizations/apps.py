from django.apps import AppConfig


class AuthorizationsConfig(AppConfig):
    name = "authorizations"
    label = "authorizations"
    verbose_name = "Authorizations"

    def ready(self) -> None:
        from attendance import reports, requirements
        from iop.clients.signals import episode_status_changed
        from scheduling import warnings

        from . import services_units  # attendance saved → unauthorized days
        from .selectors import payer_requirements_load
        from .units import placement_unit_warnings, report_payer_load

        # Attendance measures weeks against the client's payer rule first (attendance.requirements).
        requirements.payer_requirements_register(payer_requirements_load)
        # Attendance reports for review calls show the coverage and the authorizations' units.
        reports.report_payer_register(report_payer_load)
        # Placing a client beyond what is authorized warns at the moment of placement.
        warnings.placement_warnings_register(placement_unit_warnings)
        # A discharge or step-down ends the episode's authorizations and closes their chase tasks.
        episode_status_changed.connect(
            services_units.episode_left_care, dispatch_uid="authorizations_episode_left_care"
        )
