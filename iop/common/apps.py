from django.apps import AppConfig
from rest_framework.exceptions import ValidationError


def _only(json_type: type, to_internal_value, message: str):
    """A value of the JSON type the API's schema gives, or a 400: DRF's fields coerce (a CharField
    makes `0` into `"0"`, a BooleanField reads `0` or `"yes"` as a boolean, a DecimalField reads a
    JSON number, whose binary float may not be the decimal the sender meant — the schema gives
    decimals as strings, e.g. `"9.5"`, as the API writes them). An integration that sends another
    type has a bug to hear about."""

    def strict(self, data):
        if not isinstance(data, json_type):
            raise ValidationError(message, code="invalid")
        return to_internal_value(self, data)

    return strict


class CommonConfig(AppConfig):
    name = "iop.common"
    label = "common"

    def ready(self):
        from rest_framework import serializers

        from . import wiring

        wiring.connect()

        # Patched once, here: every such field of every serializer, declared or generated. (The
        # API's query parameters go through FilterSets and read text; no serializer of a query has
        # a boolean.)
        for field, json_type, message in (
            (serializers.CharField, str, "Not a valid string."),
            (serializers.DecimalField, str, 'Send a decimal as a string, e.g. "9.5".'),
            (serializers.BooleanField, bool, "Must be true or false."),
        ):
            field.to_internal_value = _only(json_type, field.to_internal_value, message)  # type: ignore[method-assign]
