"""The API's filter backend: django-filter's, but a query parameter that is given must mean something.

django-filter reads an empty value (`?program=`) or an unreadable boolean (`?open=maybe`) as "no
filter", so a typo silently answers the whole list; and Django's boolean field reads `2` as true.
An integration that sends a filter wants it applied as the schema says: such a value is a 400 with
the parameter named, as a malformed id or date already is. Booleans are `true` or `false`.
"""

from __future__ import annotations

from django import forms
from django_filters import utils
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework.exceptions import ValidationError

EMPTY_VALUES: tuple[object, ...] = (None, "", [], ())
BOOLEANS = ("true", "false")


def _meaningless(form, query_params) -> list[str]:
    names = []
    for name, field in form.fields.items():
        if name not in query_params:
            continue
        if isinstance(field, forms.NullBooleanField):
            if query_params[name].lower() not in BOOLEANS:
                names.append(name)
        elif form.cleaned_data.get(name) in EMPTY_VALUES:
            names.append(name)
    return names


class StrictFilterBackend(DjangoFilterBackend):
    def filter_queryset(self, request, queryset, view):
        filterset = self.get_filterset(request, queryset, view)
        if filterset is None:
            return queryset
        if not filterset.is_valid():
            raise utils.translate_validation(filterset.errors)
        if meaningless := _meaningless(filterset.form, request.query_params):
            raise ValidationError({name: ["Give a valid value, or leave the parameter out."] for name in meaningless})
        return filterset.qs
