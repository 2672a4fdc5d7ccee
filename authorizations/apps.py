from django.apps import AppConfig


class AuthorizationsConfig(AppConfig):
    name = "authorizations"
    label = "authorizations"
    verbose_name = "Authorizations"

    def ready(self) -> None:
        from . import wiring

        wiring.connect()
