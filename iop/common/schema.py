"""The OpenAPI schema as the API really answers (checked by schemathesis: tests/api/test_schemathesis.py).

drf-spectacular describes each operation's success; this AutoSchema adds what every endpoint shares
and the defaults get wrong:

- the error answers (`iop.common.api.exception_handler`'s `{"message", "code", "extra"}`) that any
  operation may give — 401/403/404/429 always, 400 for a body or query to validate, 409 and 415 for
  writes — documented once here rather than on each view (an operation's own `responses` win);
- times as the API writes and reads them, `"09:00:00"`: the `time` format means RFC 3339's
  full-time, which requires a UTC offset these wall-clock times (in the organization's zone) never
  have;
- read-only text and choice fields whose model column may be blank: DRF drops `allow_blank` from
  read-only fields, so the schema would promise an enum value or a URL where `""` is answered;
- decimal strings: the generated pattern matches `""`, which the API refuses.
"""

from __future__ import annotations

from django.db import models
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.plumbing import ResolvedComponent
from rest_framework import serializers

# HH:MM[:SS[.ffffff]] — what DRF's TimeField writes and reads.
TIME_PATTERN = r"^([01]\d|2[0-3]):[0-5]\d(:[0-5]\d(\.\d{1,6})?)?$"

# status: (name of the shared `components/responses` entry, description).
ERROR_RESPONSES = {
    "400": (
        "BadRequest",
        "The request is invalid (field errors in `extra.fields`) or refused by a business rule (`code`).",
    ),
    "401": (
        "Unauthorized",
        "No credentials, or an unknown, revoked or expired token (or one of another organization).",
    ),
    "403": ("Forbidden", "The caller's role does not allow this action."),
    "404": (
        "NotFound",
        "No such object in this organization (another organization's objects are not found either), "
        "or the caller is not a member of the organization.",
    ),
    "409": ("Conflict", "The request conflicts with the object's current state."),
    "415": ("UnsupportedMediaType", "The body is not in a media type this operation reads."),
    "429": ("TooManyRequests", "Too many requests: wait the `Retry-After` seconds."),
}
_UNSAFE_METHODS = ("POST", "PUT", "PATCH", "DELETE")


class ErrorSerializer(serializers.Serializer):
    message = serializers.CharField(help_text="What went wrong, for a person.")
    code = serializers.CharField(help_text="Stable error code, e.g. `invalid`, `not_found` or an app's refusal.")
    extra = serializers.DictField(help_text="`fields`: each invalid field's messages (on 400).")

    class Meta:
        ref_name = "Error"


def error_codes(*, method: str, has_query: bool, has_body: bool) -> list[str]:
    """The error statuses an operation can answer, whatever the view."""
    codes = ["401", "403", "404", "429"]
    if method in _UNSAFE_METHODS or has_query:
        codes.append("400")
    if method in _UNSAFE_METHODS:
        codes.append("409")
        if has_body:
            codes.append("415")
    return sorted(codes)


def _model_column_may_be_blank(field) -> bool:
    meta = getattr(field.parent, "Meta", None)
    model = getattr(meta, "model", None)
    if model is None or not field.source or "." in field.source or field.source == "*":
        return False
    try:
        column = model._meta.get_field(field.source)
    except Exception:  # noqa: BLE001 - a property or annotation, not a column
        return False
    return isinstance(column, (models.CharField, models.TextField)) and column.blank


class ApiAutoSchema(AutoSchema):
    def get_operation(self, path, path_regex, path_prefix, method, registry):
        operation = super().get_operation(path, path_regex, path_prefix, method, registry)
        if operation is None:
            return None
        has_query = any(p.get("in") == "query" for p in operation.get("parameters", []))
        responses = operation["responses"]
        for code in error_codes(method=method, has_query=has_query, has_body="requestBody" in operation):
            responses.setdefault(code, {"$ref": f"#/components/responses/{self._error_response(code)}"})
        operation["responses"] = dict(sorted(responses.items()))
        return operation

    def _error_response(self, code: str) -> str:
        name, description = ERROR_RESPONSES[code]
        error = self.resolve_serializer(ErrorSerializer, "response")
        body = {"description": description, "content": {"application/json": {"schema": error.ref}}}
        self.registry.register_on_missing(
            ResolvedComponent(name=name, type=ResolvedComponent.RESPONSE, schema=body, object=name)
        )
        return name

    def _map_serializer_field(self, field, direction, bypass_extend_schema=False):
        if field.read_only and isinstance(field, serializers.CharField | serializers.ChoiceField):
            # The schema's BlankEnum / `maxLength: 0` alternative then says `""` may come back.
            if not getattr(field, "allow_blank", False) and _model_column_may_be_blank(field):
                field.allow_blank = True
        schema = super()._map_serializer_field(field, direction, bypass_extend_schema)
        if isinstance(field, serializers.TimeField) and schema.get("format") == "time":
            del schema["format"]
            schema.update(pattern=TIME_PATTERN, example="09:00:00")
        if isinstance(field, serializers.DecimalField) and schema.get("pattern", "").startswith(r"^-?\d{0,"):
            whole, places = field.max_whole_digits, field.decimal_places
            # At least one digit: the generated pattern also matches "".
            schema["pattern"] = rf"^-?(?:\d{{1,{whole}}}(?:\.\d{{0,{places}}})?|\.\d{{1,{places}}})$"
        return schema
