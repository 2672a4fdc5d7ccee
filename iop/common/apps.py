from django.apps import AppConfig


def _text_only(to_internal_value):
    """DRF's CharField turns a number into text (`0` → `"0"`); the API's schema says string, and an
    integration that sends a number where text belongs has a bug to hear about: a 400 (`Not a
    valid string.`), like any other wrong type."""

    def strict(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return to_internal_value(self, data)

    return strict


class CommonConfig(AppConfig):
    name = "iop.common"
    label = "common"

    def ready(self):
        from rest_framework import serializers

        serializers.CharField.to_internal_value = _text_only(serializers.CharField.to_internal_value)
