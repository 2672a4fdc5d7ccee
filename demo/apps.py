from django.apps import AppConfig


class DemoConfig(AppConfig):
    """Demo data (`manage.py seed_demo`): the top layer, it may import every app and no app imports it."""

    name = "demo"
    label = "demo"
    verbose_name = "Demo data"
