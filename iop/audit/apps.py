from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "iop.audit"
    label = "audit"
    verbose_name = "Audit trail"

    def ready(self) -> None:
        # receivers: login, logout, failed login, MFA changes; wiring: what admins do in the admin site.
        from . import receivers, wiring  # noqa: F401

        wiring.connect()
