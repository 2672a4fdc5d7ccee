from django.apps import AppConfig


class ClientsConfig(AppConfig):
    name = "iop.clients"
    label = "clients"
    verbose_name = "Clients and episodes of care"

    def ready(self) -> None:
        from . import wiring

        wiring.connect()
