from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _sync_protections(sender, using, **kwargs):
    from .rls import sync_database_protections

    sync_database_protections(using=using)


class TenancyConfig(AppConfig):
    name = "iop.tenancy"
    label = "tenancy"
    verbose_name = "Organizations and programs"

    def ready(self) -> None:
        # Once per migrate run (sender=self), after every app's tables exist.
        post_migrate.connect(_sync_protections, sender=self, dispatch_uid="iop_tenancy_sync_protections")
