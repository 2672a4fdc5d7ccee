from django.apps import AppConfig


class CommonConfig(AppConfig):
    name = "iop.common"
    label = "common"
