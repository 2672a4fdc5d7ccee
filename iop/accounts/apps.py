from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "iop.accounts"
    label = "accounts"
    verbose_name = "Staff accounts"

    def ready(self) -> None:
        from . import wiring

        wiring.connect()
