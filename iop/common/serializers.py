from rest_framework import serializers


class TenantScopedPrimaryKeyRelatedField(serializers.PrimaryKeyRelatedField):
    """A related id that must belong to the request's organization. Pass the model's fail-loud
    `objects` manager: it is re-evaluated per request inside the tenant, so another tenant's id is
    a clean 400 ("object does not exist"), never a reference across tenants."""

    default_error_messages = {
        "does_not_exist": "No such {model_name} in this organization.",
        "incorrect_type": "Expected an id, got {data_type}.",
    }

    def __init__(self, **kwargs):
        self.model_name = kwargs.pop("model_name", "object")
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        try:
            return super().to_internal_value(data)
        except serializers.ValidationError:
            raise
        except Exception:  # malformed UUID raises django ValidationError inside the lookup
            self.fail("does_not_exist", pk_value=data, model_name=self.model_name)

    def fail(self, key, **kwargs):
        kwargs.setdefault("model_name", self.model_name)
        return super().fail(key, **kwargs)
