from django.apps import AppConfig


class ClientsConfig(AppConfig):
    name = "iop.clients"
    label = "clients"
    verbose_name = "Clients and episodes of care"
