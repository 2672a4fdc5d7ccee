from django.apps import AppConfig
from rest_framework.exceptions import ValidationError


def _text_only(to_internal_value, message: str):
    """Where the API's schema says string, a number is refused (400) instead of being turned into
    text: DRF's CharField makes `0` into `"0"`, and its DecimalField reads a JSON number, whose
    binary float may not be the decimal the sender meant (the schema gives decimals as strings,
    e.g. `"9.5"`, as the API writes them). An integration that sends a number there has a bug to
    hear about, like any other wrong type."""

    def strict(self, data):
        if not isinstance(data, str):
            raise ValidationError(message, code="invalid")
        return to_internal_value(self, data)

    return strict


class CommonConfig(AppConfig):
    name = "iop.common"
    label = "common"

    def ready(self):
        from rest_framework import serializers

        # Patched once, here: every CharField and DecimalField of every serializer, declared or generated.
        serializers.CharField.to_internal_value = _text_only(  # type: ignore[method-assign]
            serializers.CharField.to_internal_value, "Not a valid string."
        )
        serializers.DecimalField.to_internal_value = _text_only(  # type: ignore[method-assign]
            serializers.DecimalField.to_internal_value, 'Send a decimal as a string, e.g. "9.5".'
        )
